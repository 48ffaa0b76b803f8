import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { reportStyleFrom } from '../entities/entity-view';
import { traceField } from './field-lineage';
import { aCustomerUpserted, anOrderEvent, historyOf, storedEvents } from './testing/stored-events';

const reportStyle = reportStyleFrom(new ContractRegistry(exampleContracts));

async function lineage(envelopes: readonly EventEnvelope[], field: string) {
  return traceField(await historyOf(storedEvents(envelopes), reportStyle), field);
}

const created = (id: string, source: string, amount: number, extra: Partial<EventEnvelope> = {}) =>
  anOrderEvent(id, source, 'order.created', { customerId: 'C-1', status: 'OPEN', total: { amount, currency: 'EUR' } }, extra);

describe('field lineage', () => {
  it('given one value, names the event and source that set it and that it replaced nothing', async () => {
    const result = await lineage([created('e1', 'erp', 100, { actor: { type: 'user', id: 'u-7' } })], 'total.amount');
    expect(result.current).toEqual({ present: true, value: 100 });
    expect(result.chain).toEqual([
      {
        present: true,
        value: 100,
        setBy: {
          eventId: 'e1',
          position: 1,
          revision: 0,
          type: 'order.created',
          source: 'erp',
          actor: { type: 'user', id: 'u-7' },
          occurredAt: '2026-11-21T09:00:00Z',
          recordedAt: '2026-11-21T10:00:00.000Z',
          credential: 'key-erp',
        },
        replaced: { present: false },
        confirmations: 0,
      },
    ]);
  });

  it('given the value changed across sources, lists the chain newest first with what each replaced', async () => {
    const result = await lineage([created('e1', 'erp', 100), created('c1', 'crm', 120), created('e2', 'erp', 90)], 'total.amount');
    expect(result.current).toEqual({ present: true, value: 90 });
    expect(result.chain.map((s) => [s.setBy.eventId, s.setBy.source, s.replaced, (s as { value?: unknown }).value])).toEqual([
      ['e2', 'erp', { present: true, value: 120 }, 90],
      ['c1', 'crm', { present: true, value: 100 }, 120],
      ['e1', 'erp', { present: false }, 100],
    ]);
  });

  it('gives each source’s own value of the field and the event that set it', async () => {
    const result = await lineage([created('e1', 'erp', 100), created('c1', 'crm', 120), anOrderEvent('e2', 'erp', 'order.status-changed', { status: 'DONE' })], 'total.amount');
    expect(Object.keys(result.sources)).toEqual(['crm', 'erp']);
    expect(result.sources.erp).toMatchObject({ present: true, value: 100, setBy: { eventId: 'e1' } });
    expect(result.sources.crm).toMatchObject({ present: true, value: 120, setBy: { eventId: 'c1' } });
  });

  it('an event that reports the same value again confirms it instead of setting it', async () => {
    const result = await lineage([created('e1', 'erp', 100), created('c1', 'crm', 100), created('e2', 'erp', 100)], 'total.amount');
    expect(result.chain).toHaveLength(1);
    expect(result.chain[0]).toMatchObject({ setBy: { eventId: 'e1' }, confirmations: 2, lastConfirmedBy: { eventId: 'e2' } });
  });

  it('an event that does not mention the field neither sets nor confirms it', async () => {
    const result = await lineage([created('e1', 'erp', 100), anOrderEvent('e2', 'erp', 'order.status-changed', { status: 'DONE' })], 'total.amount');
    expect(result.chain[0]).toMatchObject({ setBy: { eventId: 'e1' }, confirmations: 0 });
  });

  it('a stale report of the field is listed as not applied and does not touch the chain', async () => {
    const result = await lineage(
      [
        anOrderEvent('e3', 'erp', 'order.status-changed', { status: 'SHIPPED' }, { sourceSequence: 3 }),
        anOrderEvent('e2', 'erp', 'order.status-changed', { status: 'PICKING' }, { sourceSequence: 2 }),
      ],
      'status',
    );
    expect(result.current).toEqual({ present: true, value: 'SHIPPED' });
    expect(result.chain.map((s) => s.setBy.eventId)).toEqual(['e3']);
    expect(result.notApplied).toEqual([
      expect.objectContaining({ event: expect.objectContaining({ eventId: 'e2' }), reported: 'PICKING', note: expect.stringContaining('stale: not applied') }),
    ]);
  });

  it('follows an object-valued field as a whole', async () => {
    const result = await lineage([created('e1', 'erp', 100), created('e2', 'erp', 100), created('e3', 'erp', 101)], 'total');
    expect(result.chain.map((s) => (s as { value?: unknown }).value)).toEqual([
      { amount: 101, currency: 'EUR' },
      { amount: 100, currency: 'EUR' },
    ]);
    expect(result.chain[1]!.confirmations).toBe(1);
  });

  it('a full-state report that leaves the field out removes it from that source but not from the merged state', async () => {
    const result = await lineage([aCustomerUpserted('u1', { name: 'Ada', email: 'ada@example.com' }), aCustomerUpserted('u2', { name: 'Ada' })], 'email');
    expect(result.current).toEqual({ present: true, value: 'ada@example.com' });
    expect(result.sources.crm).toMatchObject({ present: false, setBy: { eventId: 'u2' }, replaced: { present: true, value: 'ada@example.com' } });
  });

  it('given a field nobody reported, knows nothing', async () => {
    expect(await lineage([created('e1', 'erp', 100)], 'total.tax')).toEqual({ field: 'total.tax', current: { present: false }, chain: [], sources: {}, notApplied: [] });
  });

  it('ignores the hub’s own events', async () => {
    const result = await lineage([anOrderEvent('e1', 'erp', 'order.status-changed', { status: 'A' }), anOrderEvent('h1', 'concord', 'order.status-changed', { status: 'X' })], 'status');
    expect(result.current).toEqual({ present: true, value: 'A' });
    expect(result.sources).not.toHaveProperty('concord');
  });
});
