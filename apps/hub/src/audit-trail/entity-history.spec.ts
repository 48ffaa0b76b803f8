import { ContractRegistry, exampleContracts } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import { foldEntityView, reportStyleFrom } from '../entities/entity-view';
import { aCustomerUpserted, anOrderEvent, historyOf, storedEvents } from './testing/stored-events';

const reportStyle = reportStyleFrom(new ContractRegistry(exampleContracts));
const history = (events: readonly StoredEvent[]) => historyOf(events, reportStyle);

describe('entity history steps', () => {
  it('given an order created then changed, shows each event’s field changes', async () => {
    const steps = await history(
      storedEvents([
        anOrderEvent('e1', 'erp', 'order.created', { customerId: 'C-1', status: 'OPEN', total: { amount: 100, currency: 'EUR' } }),
        anOrderEvent('e2', 'erp', 'order.status-changed', { status: 'SHIPPED', reason: 'picked' }),
      ]),
    );
    expect(steps.map((s) => s.outcome)).toEqual(['applied', 'applied']);
    expect(steps[0]!.changes.map((c) => c.path)).toEqual(['customerId', 'status', 'total.amount', 'total.currency']);
    expect(steps[1]!.changes).toEqual([
      { path: 'reason', kind: 'added', after: 'picked' },
      { path: 'status', kind: 'changed', before: 'OPEN', after: 'SHIPPED' },
    ]);
    expect(steps[1]!.sourceChanges).toEqual(steps[1]!.changes);
  });

  it('given a stale update, says it was not applied and changes nothing', async () => {
    const steps = await history(
      storedEvents([
        anOrderEvent('e3', 'erp', 'order.status-changed', { status: 'SHIPPED' }, { sourceSequence: 3 }),
        anOrderEvent('e2', 'erp', 'order.status-changed', { status: 'PICKING' }, { sourceSequence: 2 }),
      ]),
    );
    expect(steps[1]).toMatchObject({
      outcome: 'stale',
      note: 'stale: not applied (sourceSequence 2 is not newer than 3 already applied from erp)',
      changes: [],
      sourceChanges: [],
    });
    expect(steps[1]!.after!.sources.erp).toMatchObject({ staleEvents: 1, events: 2 });
  });

  it('given two sources, the merged diff and the reporting source’s own diff differ', async () => {
    const steps = await history(
      storedEvents([
        anOrderEvent('e1', 'erp', 'order.created', { customerId: 'C-1', status: 'COMPLETED', total: { amount: 100, currency: 'EUR' } }),
        anOrderEvent('c1', 'crm', 'order.status-changed', { status: 'pending' }),
      ]),
    );
    expect(steps[1]!.changes).toEqual([{ path: 'status', kind: 'changed', before: 'COMPLETED', after: 'pending' }]);
    expect(steps[1]!.sourceChanges).toEqual([{ path: 'status', kind: 'added', after: 'pending' }]);
  });

  it('given a full-state report that drops a field, the source loses it while the merged state keeps it', async () => {
    const steps = await history(storedEvents([aCustomerUpserted('u1', { name: 'Ada', email: 'ada@example.com' }), aCustomerUpserted('u2', { name: 'Ada L.' })]));
    expect(steps[1]!.sourceChanges).toEqual([
      { path: 'email', kind: 'removed', before: 'ada@example.com' },
      { path: 'name', kind: 'changed', before: 'Ada', after: 'Ada L.' },
    ]);
    expect(steps[1]!.changes).toEqual([{ path: 'name', kind: 'changed', before: 'Ada', after: 'Ada L.' }]);
  });

  it('given a hub fact in the stream, leaves the view alone and says why', async () => {
    const steps = await history(
      storedEvents([anOrderEvent('e1', 'erp', 'order.status-changed', { status: 'A' }), anOrderEvent('h1', 'concord', 'order.status-changed', { status: 'X' })]),
    );
    expect(steps[1]).toMatchObject({ outcome: 'hub-fact', changes: [], sourceChanges: [] });
    expect(steps[1]!.after).toBe(steps[0]!.after);
  });

  it('given a repeat of known values, the event is applied with no field changed', async () => {
    const steps = await history(
      storedEvents([anOrderEvent('e1', 'erp', 'order.status-changed', { status: 'A' }), anOrderEvent('e2', 'erp', 'order.status-changed', { status: 'A' })]),
    );
    expect(steps[1]).toMatchObject({ outcome: 'applied', changes: [], sourceChanges: [] });
  });

  it('ends exactly where the view’s own fold ends', async () => {
    const events = storedEvents([
      anOrderEvent('e1', 'erp', 'order.created', { customerId: 'C-1', status: 'OPEN', total: { amount: 1, currency: 'EUR' } }, { sourceSequence: 1 }),
      anOrderEvent('c1', 'crm', 'order.status-changed', { status: 'open' }),
      anOrderEvent('h1', 'concord', 'order.status-changed', { status: 'X' }),
      anOrderEvent('e0', 'erp', 'order.status-changed', { status: 'OLD' }, { sourceSequence: 0 }),
    ]);
    expect((await history(events)).at(-1)!.after).toEqual(foldEntityView(events, reportStyle));
  });
});
