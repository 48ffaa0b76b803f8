import { customerUpsertedV1, orderCreatedV1, orderStatusChangedV1 } from '@concord/contracts';
import { EnvelopeBuilder, InvalidEnvelopeError, stableEventId, subjectKey } from './envelopes';

const erp = new EnvelopeBuilder('erp');
const order = { customerId: 'C-1', status: 'OPEN', total: { amount: 120.5, currency: 'EUR' } };

describe('stableEventId', () => {
  it('is the same for the same record version, whoever computes it and whenever', () => {
    expect(stableEventId('erp', 'order.created', 'SO-1', 3)).toBe('erp:order.created:SO-1:3');
    expect(stableEventId('erp', 'order.created', 'SO-1', 3)).toBe(stableEventId('erp', 'order.created', 'SO-1', 3));
  });

  it('differs when the source, the type, the record or the version differs', () => {
    const ids = new Set([
      stableEventId('erp', 'order.created', 'SO-1', 3),
      stableEventId('crm', 'order.created', 'SO-1', 3),
      stableEventId('erp', 'order.status-changed', 'SO-1', 3),
      stableEventId('erp', 'order.created', 'SO-2', 3),
      stableEventId('erp', 'order.created', 'SO-1', 4),
      stableEventId('erp', 'order.created', 'SO-1', '3-etag'),
    ]);
    expect(ids.size).toBe(6);
  });

  it('stays unambiguous when the record id holds the separator', () => {
    expect(stableEventId('erp', 'order.created', 'a:1', 2)).not.toBe(stableEventId('erp', 'order.created', 'a', '1:2'));
    expect(stableEventId('erp', 'order.created', 'a', '1:2')).toMatch(/^erp:order\.created:sha256:/);
  });

  it('hashes ids that would exceed the hub’s 200 characters, stably and distinctly', () => {
    const long = 'R'.repeat(250);
    const id = stableEventId('erp', 'order.created', long, 1);
    expect(id).toMatch(/^erp:order\.created:sha256:[0-9a-f]{64}$/);
    expect(id.length).toBeLessThanOrEqual(200);
    expect(stableEventId('erp', 'order.created', long, 1)).toBe(id);
    expect(stableEventId('erp', 'order.created', long, 2)).not.toBe(id);
  });
});

describe('EnvelopeBuilder', () => {
  it('takes type, schema version and subject type from the contract', () => {
    const envelope = erp.build(orderCreatedV1, { subjectId: 'SO-1', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: order });
    expect(envelope).toEqual({
      id: 'erp:order.created:SO-1:1',
      source: 'erp',
      type: 'order.created',
      schemaVersion: 1,
      subject: { type: 'order', id: 'SO-1' },
      occurredAt: '2026-11-21T10:00:00Z',
      sourceSequence: 1,
      data: order,
    });
    expect(subjectKey(envelope)).toBe('order/SO-1');
  });

  it('builds byte-identical envelopes for the same input, so a rebuilt retry is a duplicate, not a conflict', () => {
    const input = { subjectId: 'SO-1', version: 4, occurredAt: '2026-11-21T10:00:00Z', data: { status: 'SHIPPED' }, correlationId: 'flow-1' };
    expect(JSON.stringify(erp.build(orderStatusChangedV1, input))).toBe(JSON.stringify(erp.build(orderStatusChangedV1, input)));
  });

  it('uses the source’s own event id when it has one, and then sets no sequence unless given', () => {
    const envelope = erp.build(orderStatusChangedV1, { eventId: 'evt-77', subjectId: 'SO-1', occurredAt: '2026-11-21T10:00:00Z', data: { status: 'X' } });
    expect(envelope.id).toBe('evt-77');
    expect(envelope.sourceSequence).toBeUndefined();
  });

  it('derives sourceSequence only from a non-negative integer version; an explicit one wins', () => {
    const base = { subjectId: 'SO-1', occurredAt: '2026-11-21T10:00:00Z', data: { status: 'X' } };
    expect(erp.build(orderStatusChangedV1, { ...base, version: 'etag-9' }).sourceSequence).toBeUndefined();
    expect(erp.build(orderStatusChangedV1, { ...base, version: 1.5 }).sourceSequence).toBeUndefined();
    expect(erp.build(orderStatusChangedV1, { ...base, version: 7, sourceSequence: 70 }).sourceSequence).toBe(70);
  });

  it('keys by record id when it differs from the subject id', () => {
    const crm = new EnvelopeBuilder('crm');
    const envelope = crm.build(customerUpsertedV1, { subjectId: 'C-1', recordId: 'crm-row-9', version: 2, occurredAt: '2026-11-21T10:00:00Z', data: { name: 'Ada' } });
    expect(envelope.id).toBe('crm:customer.upserted:crm-row-9:2');
  });

  it('refuses data that breaks the contract, naming the field, before anything is sent', () => {
    const bad = { ...order, total: { amount: '12', currency: 'EUR' } } as unknown as typeof order;
    const attempt = () => erp.build(orderCreatedV1, { subjectId: 'SO-1', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: bad });
    expect(attempt).toThrow(InvalidEnvelopeError);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidEnvelopeError).rejection.reason).toBe('contract-violation');
      expect((error as InvalidEnvelopeError).rejection.errors.map((e) => e.field)).toContain('data.total.amount');
    }
  });

  it.each([
    ['a date without a zone', { occurredAt: '2026-11-21T10:00:00' }, 'invalid-envelope'],
    ['a date not on the calendar', { occurredAt: '2026-02-30T00:00:00Z' }, 'invalid-envelope'],
    ['an event id with a control character', { eventId: 'a\nb' }, 'invalid-envelope'],
    ['an unknown data field', { data: { status: 'X', colour: 'red' } }, 'contract-violation'],
  ])('refuses %s', (_name, change, reason) => {
    const input = { eventId: 'e-1', subjectId: 'SO-1', occurredAt: '2026-11-21T10:00:00Z', data: { status: 'X' }, ...change };
    expect(() => erp.build(orderStatusChangedV1, input)).toThrow(expect.objectContaining({ rejection: expect.objectContaining({ reason }) }));
  });

  it('refuses a source name the hub would refuse', () => {
    expect(() => new EnvelopeBuilder('ERP System').build(orderStatusChangedV1, { eventId: 'e', subjectId: 'S', occurredAt: '2026-11-21T10:00:00Z', data: { status: 'X' } })).toThrow(
      /invalid-envelope: source must match/,
    );
  });

  it('skips the check only when told to', () => {
    const unchecked = new EnvelopeBuilder('erp', undefined, { check: false });
    const input = { eventId: 'e-1', subjectId: 'SO-1', occurredAt: 'not a date', data: { status: 'X' } };
    expect(unchecked.build(orderStatusChangedV1, input).occurredAt).toBe('not a date');
    expect(() => erp.build(orderStatusChangedV1, input)).toThrow(InvalidEnvelopeError);
  });
});
