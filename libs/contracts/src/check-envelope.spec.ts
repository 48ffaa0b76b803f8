import { checkEnvelope, type EnvelopeVerdict } from './check-envelope';
import { exampleContracts } from './catalog';
import { ContractRegistry } from './registry';

const registry = new ContractRegistry(exampleContracts);

function validOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'erp-evt-000123',
    source: 'erp',
    type: 'order.created',
    subject: { type: 'order', id: 'SO-1001' },
    occurredAt: '2026-11-21T10:00:00Z',
    data: { customerId: 'C-42', status: 'OPEN', total: { amount: 120.5, currency: 'EUR' } },
    ...overrides,
  };
}

function rejection(verdict: EnvelopeVerdict) {
  if (verdict.ok) throw new Error(`expected a rejection, got ${JSON.stringify(verdict.envelope)}`);
  return verdict.rejection;
}

describe('checkEnvelope', () => {
  describe('accepts', () => {
    it('a minimal event, defaulting schemaVersion to 1', () => {
      const verdict = checkEnvelope(registry, validOrder());
      expect(verdict).toEqual({ ok: true, envelope: { ...validOrder(), schemaVersion: 1 } });
    });

    it('every optional envelope field', () => {
      const full = validOrder({ schemaVersion: 1, sourceSequence: 0, correlationId: 'flow-7', causationId: 'erp-evt-000122', actor: { type: 'user', id: 'alice' } });
      const verdict = checkEnvelope(registry, full);
      expect(verdict.ok && verdict.envelope).toEqual(full);
    });

    it.each([
      ['Z', '2026-11-21T10:00:00Z'],
      ['an offset', '2026-11-21T10:00:00+01:00'],
      ['a compact offset', '2026-11-21T10:00:00-0530'],
      ['milliseconds', '2026-11-21T10:00:00.123Z'],
      ['nanoseconds', '2026-11-21T10:00:00.123456789Z'],
      ['no seconds', '2026-11-21T10:00Z'],
      ['a leap day', '2028-02-29T00:00:00Z'],
    ])('a date-time with %s', (_name, occurredAt) => {
      expect(checkEnvelope(registry, validOrder({ occurredAt })).ok).toBe(true);
    });

    it.each([
      ['the largest safe sourceSequence', { sourceSequence: Number.MAX_SAFE_INTEGER }],
      ['an id of 200 characters', { id: 'x'.repeat(200) }],
      ['a unicode id', { id: 'évt-✓-日本' }],
      ['a hyphenated source', { source: 'sap-erp-2' }],
      ['a subject id with spaces and slashes', { subject: { type: 'order', id: 'SO 1/2' } }],
    ])('%s', (_name, overrides) => {
      expect(checkEnvelope(registry, validOrder(overrides)).ok).toBe(true);
    });

    it('drops nothing it was given and adds nothing but defaults (so the stored form is what was sent)', () => {
      const verdict = checkEnvelope(registry, validOrder({ sourceSequence: 5 }));
      expect(verdict.ok && Object.keys(verdict.envelope).sort()).toEqual(['data', 'id', 'occurredAt', 'schemaVersion', 'source', 'sourceSequence', 'subject', 'type']);
    });
  });

  describe('refuses', () => {
    it.each([
      ['null', null],
      ['an array', [validOrder()]],
      ['a string', 'event'],
      ['a number', 7],
      ['undefined', undefined],
    ])('%s as not-an-object', (_name, input) => {
      expect(rejection(checkEnvelope(registry, input)).reason).toBe('not-an-object');
    });

    it.each([
      ['__proto__ at the top', JSON.parse('{"__proto__":{"x":1},"id":"a"}'), '__proto__'],
      ['constructor in data', validOrder({ data: JSON.parse('{"constructor":{"prototype":{}}}') }), 'data.constructor'],
      ['prototype deep in data', validOrder({ data: { a: [{ b: { prototype: 1 } }] } }), 'data.a[0].b.prototype'],
    ])('%s as unsafe-json naming the path', (_name, input, path) => {
      const refused = rejection(checkEnvelope(registry, input));
      expect(refused.reason).toBe('unsafe-json');
      expect(refused.errors).toEqual([{ field: path, message: expect.stringContaining(path) }]);
    });

    it('a document nested deeper than 32 levels', () => {
      let data: unknown = 1;
      for (let i = 0; i < 40; i++) data = { level: data };
      expect(rejection(checkEnvelope(registry, validOrder({ data }))).reason).toBe('unsafe-json');
    });

    it.each([
      ['a missing id', { id: undefined }, 'id'],
      ['an empty id', { id: '' }, 'id'],
      ['an id of 201 characters', { id: 'x'.repeat(201) }, 'id'],
      ['an id with CR LF', { id: 'a\r\nb' }, 'id'],
      ['an id with a tab', { id: 'a\tb' }, 'id'],
      ['an id with DEL', { id: 'a\u007fb' }, 'id'],
      ['a numeric id', { id: 42 }, 'id'],
      ['a missing source', { source: undefined }, 'source'],
      ['a source with capitals', { source: 'ERP' }, 'source'],
      ['a source with a space', { source: 'sap erp' }, 'source'],
      ['a source of 65 characters', { source: 'a'.repeat(65) }, 'source'],
      ['a missing type', { type: undefined }, 'type'],
      ['a type with spaces', { type: 'order created' }, 'type'],
      ['schemaVersion 0', { schemaVersion: 0 }, 'schemaVersion'],
      ['a fractional schemaVersion', { schemaVersion: 1.5 }, 'schemaVersion'],
      ['a string schemaVersion', { schemaVersion: '1' }, 'schemaVersion'],
      ['a missing subject', { subject: undefined }, 'subject'],
      ['a subject array', { subject: [] }, 'subject'],
      ['a subject without id', { subject: { type: 'order' } }, 'subject.id'],
      ['a subject type with a hyphen', { subject: { type: 'sales-order', id: '1' } }, 'subject.type'],
      ['a subject type with capitals', { subject: { type: 'Order', id: '1' } }, 'subject.type'],
      ['an extra subject field', { subject: { type: 'order', id: '1', version: 2 } }, 'subject.version'],
      ['a missing occurredAt', { occurredAt: undefined }, 'occurredAt'],
      ['an occurredAt without a zone', { occurredAt: '2026-11-21T10:00:00' }, 'occurredAt'],
      ['an occurredAt of February 30th', { occurredAt: '2026-02-30T00:00:00Z' }, 'occurredAt'],
      ['an occurredAt of February 29th in a common year', { occurredAt: '2026-02-29T00:00:00Z' }, 'occurredAt'],
      ['an occurredAt in month 13', { occurredAt: '2026-13-01T00:00:00Z' }, 'occurredAt'],
      ['an occurredAt at 25 o\'clock', { occurredAt: '2026-11-21T25:00:00Z' }, 'occurredAt'],
      ['an occurredAt with a space for T', { occurredAt: '2026-11-21 10:00:00Z' }, 'occurredAt'],
      ['an occurredAt in epoch milliseconds', { occurredAt: 1763719200000 }, 'occurredAt'],
      ['an occurredAt in words', { occurredAt: 'last Tuesday' }, 'occurredAt'],
      ['a negative sourceSequence', { sourceSequence: -1 }, 'sourceSequence'],
      ['an unsafe sourceSequence', { sourceSequence: 2 ** 60 }, 'sourceSequence'],
      ['a string sourceSequence', { sourceSequence: '5' }, 'sourceSequence'],
      ['a correlationId with a newline', { correlationId: 'x\ny' }, 'correlationId'],
      ['an empty causationId', { causationId: '' }, 'causationId'],
      ['an actor without type', { actor: { id: 'alice' } }, 'actor.type'],
      ['an actor that is a string', { actor: 'alice' }, 'actor'],
      ['a missing data', { data: undefined }, 'data'],
      ['a data string', { data: 'x' }, 'data'],
      ['a data array', { data: [] }, 'data'],
      ['a null data', { data: null }, 'data'],
      ['an unknown envelope field', { priority: 'high' }, 'priority'],
      ['a recordedAt (the hub sets it)', { recordedAt: '2026-11-21T10:00:00Z' }, 'recordedAt'],
      ['a position (the hub sets it)', { position: 1 }, 'position'],
    ])('%s as invalid-envelope naming %s', (_name, overrides, field) => {
      const refused = rejection(checkEnvelope(registry, validOrder(overrides)));
      expect(refused.reason).toBe('invalid-envelope');
      expect(refused.errors.map((e) => e.field)).toContain(field);
      expect(refused.message).toContain(field);
    });

    it('several envelope problems at once, all named', () => {
      const refused = rejection(checkEnvelope(registry, validOrder({ id: '', source: 'ERP', occurredAt: 'now' })));
      expect(new Set(refused.errors.map((e) => e.field))).toEqual(new Set(['id', 'source', 'occurredAt']));
    });

    it('an unknown type', () => {
      expect(rejection(checkEnvelope(registry, validOrder({ type: 'order.deleted' })))).toEqual({
        reason: 'unknown-type',
        message: 'type order.deleted is not a registered contract',
        errors: [{ field: 'type', message: 'type order.deleted is not a registered contract' }],
      });
    });

    it('an unknown schemaVersion, saying which is the latest', () => {
      const refused = rejection(checkEnvelope(registry, validOrder({ schemaVersion: 3 })));
      expect(refused).toMatchObject({ reason: 'unknown-schema-version', errors: [{ field: 'schemaVersion' }] });
      expect(refused.message).toContain('latest is 1');
    });

    it('a subject of another entity type than the contract', () => {
      const refused = rejection(checkEnvelope(registry, validOrder({ subject: { type: 'invoice', id: 'INV-1' } })));
      expect(refused).toMatchObject({ reason: 'subject-type-mismatch', errors: [{ field: 'subject.type' }] });
      expect(refused.message).toBe('subject.type must be order for order.created, not invoice');
    });

    it.each([
      ['a string amount', { customerId: 'C', status: 'OPEN', total: { amount: '1', currency: 'EUR' } }, ['data.total.amount']],
      ['a NaN-like amount', { customerId: 'C', status: 'OPEN', total: { amount: null, currency: 'EUR' } }, ['data.total.amount']],
      ['too many decimals', { customerId: 'C', status: 'OPEN', total: { amount: 1.1234567, currency: 'EUR' } }, ['data.total.amount']],
      ['a lower-case currency', { customerId: 'C', status: 'OPEN', total: { amount: 1, currency: 'eur' } }, ['data.total.currency']],
      ['a missing total', { customerId: 'C', status: 'OPEN' }, ['data.total']],
      ['a total that is a number', { customerId: 'C', status: 'OPEN', total: 5 }, ['data.total']],
      ['a total that is an array', { customerId: 'C', status: 'OPEN', total: [{ amount: 1, currency: 'EUR' }] }, ['data.total']],
      ['an empty customerId', { customerId: '', status: 'OPEN', total: { amount: 1, currency: 'EUR' } }, ['data.customerId']],
      ['an unknown data field', { customerId: 'C', status: 'OPEN', total: { amount: 1, currency: 'EUR' }, note: 'x' }, ['data.note']],
      ['an unknown nested field', { customerId: 'C', status: 'OPEN', total: { amount: 1, currency: 'EUR', vat: 1 } }, ['data.total.vat']],
      ['everything missing', {}, ['data.customerId', 'data.status', 'data.total']],
    ])('contract-violation: %s', (_name, data, fields) => {
      const refused = rejection(checkEnvelope(registry, validOrder({ data })));
      expect(refused.reason).toBe('contract-violation');
      expect([...new Set(refused.errors.map((e) => e.field))].sort()).toEqual([...fields].sort());
      for (const error of refused.errors) expect(error.message.startsWith(error.field)).toBe(true);
    });

    it('summarizes many field errors in one message', () => {
      const refused = rejection(
        checkEnvelope(registry, validOrder({ data: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, customerId: 1, status: 2, total: 3 } })),
      );
      expect(refused.message).toMatch(/; and \d+ more$/);
    });

    it('checks each contract, not only orders', () => {
      const payment = { id: 'p', source: 'billing', type: 'payment.received', subject: { type: 'payment', id: 'P1' }, occurredAt: '2026-11-21T10:00:00Z' };
      expect(checkEnvelope(registry, { ...payment, data: { invoiceId: 'I1', amount: 5, currency: 'EUR' } }).ok).toBe(true);
      expect(rejection(checkEnvelope(registry, { ...payment, data: { invoiceId: 'I1', amount: 5 } })).errors[0]!.field).toBe('data.currency');
      const customer = { ...payment, type: 'customer.upserted', subject: { type: 'customer', id: 'C1' } };
      expect(checkEnvelope(registry, { ...customer, data: { name: 'Ada' } }).ok).toBe(true);
      expect(rejection(checkEnvelope(registry, { ...customer, data: { name: 'Ada', email: 'not-an-email' } })).errors[0]!.field).toBe('data.email');
    });
  });

  it('is pure: the same input gives the same verdict, and the input is not modified', () => {
    const input = validOrder({ sourceSequence: 3 });
    const before = JSON.stringify(input);
    expect(checkEnvelope(registry, input)).toEqual(checkEnvelope(registry, input));
    expect(JSON.stringify(input)).toBe(before);
  });
});
