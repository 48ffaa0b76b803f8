import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { describeEachReadModelBackend, ProjectionTestbed } from '@concord/projections/testing';
import type { EntityView } from './entity-view';
import { ENTITIES, entityViewProjection } from './entity-view.projection';

const registry = new ContractRegistry(exampleContracts);

function orderCreated(id: string, source: string, status: string, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id,
    source,
    type: 'order.created',
    schemaVersion: 1,
    subject: { type: 'order', id: 'SO-1' },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { customerId: 'C-1', status, total: { amount: 100, currency: 'EUR' } },
    ...extra,
  };
}

function statusChanged(id: string, source: string, status: string, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id,
    source,
    type: 'order.status-changed',
    schemaVersion: 1,
    subject: { type: 'order', id: 'SO-1' },
    occurredAt: '2026-11-21T09:30:00Z',
    data: { status },
    ...extra,
  };
}

describeEachReadModelBackend('entity view projection', (backend) => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await ProjectionTestbed.open(entityViewProjection(registry), { backend });
  });

  afterEach(() => bed.close());

  async function view(key = 'order/SO-1'): Promise<EntityView | undefined> {
    await bed.run();
    return (await bed.doc(ENTITIES, key)) as EntityView | undefined;
  }

  it('given one source reporting an order, shows its state merged and per source', async () => {
    const [created] = await bed.given([orderCreated('e1', 'erp', 'OPEN', { sourceSequence: 1 })]);
    expect(await view()).toEqual({
      subject: { type: 'order', id: 'SO-1' },
      version: 1,
      lastEventAt: created!.recordedAt,
      lastPosition: created!.position,
      state: { customerId: 'C-1', status: 'OPEN', total: { amount: 100, currency: 'EUR' } },
      sources: {
        erp: {
          state: { customerId: 'C-1', status: 'OPEN', total: { amount: 100, currency: 'EUR' } },
          lastEventId: 'e1',
          lastSeenAt: created!.recordedAt,
          lastOccurredAt: '2026-11-21T09:00:00Z',
          lastPosition: created!.position,
          sourceSequence: 1,
          events: 1,
          staleEvents: 0,
        },
      },
    });
  });

  it('given two sources disagreeing, keeps each source’s view side by side', async () => {
    await bed.given([orderCreated('e1', 'erp', 'COMPLETED'), orderCreated('c1', 'crm', 'pending')]);
    const result = await view();
    expect(result!.sources.erp!.state.status).toBe('COMPLETED');
    expect(result!.sources.crm!.state.status).toBe('pending');
    expect(result!.state.status).toBe('pending'); // latest recorded value wins in the merged state
  });

  it('merges a partial update into the fields the source reported before', async () => {
    await bed.given([orderCreated('e1', 'erp', 'OPEN'), statusChanged('e2', 'erp', 'SHIPPED', { data: { status: 'SHIPPED', reason: 'picked' } })]);
    expect((await view())!.sources.erp!.state).toEqual({
      customerId: 'C-1',
      status: 'SHIPPED',
      reason: 'picked',
      total: { amount: 100, currency: 'EUR' },
    });
  });

  it('a full-state report replaces what the source said before', async () => {
    const customer = (id: string, data: Record<string, unknown>): EventEnvelope => ({
      id,
      source: 'crm',
      type: 'customer.upserted',
      schemaVersion: 1,
      subject: { type: 'customer', id: 'C-1' },
      occurredAt: '2026-11-21T09:00:00Z',
      data,
    });
    await bed.given([customer('u1', { name: 'Ada', email: 'ada@example.com' }), customer('u2', { name: 'Ada L.' })]);
    expect((await view('customer/C-1'))!.sources.crm!.state).toEqual({ name: 'Ada L.' });
  });

  it('records a stale update (lower sourceSequence) without letting it overwrite newer state', async () => {
    await bed.given([
      orderCreated('e1', 'erp', 'OPEN', { sourceSequence: 1 }),
      statusChanged('e3', 'erp', 'SHIPPED', { sourceSequence: 3 }),
      statusChanged('e2', 'erp', 'PICKING', { sourceSequence: 2 }),
    ]);
    const result = await view();
    expect(result!.sources.erp).toMatchObject({ lastEventId: 'e3', sourceSequence: 3, events: 3, staleEvents: 1 });
    expect(result!.sources.erp!.state.status).toBe('SHIPPED');
    expect(result!.state.status).toBe('SHIPPED');
    expect(result!.version).toBe(3);
  });

  it('treats an equal sourceSequence as stale too', async () => {
    await bed.given([statusChanged('e1', 'erp', 'A', { sourceSequence: 5 }), statusChanged('e2', 'erp', 'B', { sourceSequence: 5 })]);
    expect((await view())!.sources.erp).toMatchObject({ staleEvents: 1, state: { status: 'A' } });
  });

  it('stale ordering is per source: another source’s sequence does not make an event stale', async () => {
    await bed.given([statusChanged('e1', 'erp', 'A', { sourceSequence: 9 }), statusChanged('c1', 'crm', 'b', { sourceSequence: 1 })]);
    expect((await view())!.sources.crm).toMatchObject({ staleEvents: 0, state: { status: 'b' } });
  });

  it('ignores the hub’s own events', async () => {
    await bed.given([statusChanged('h1', 'concord', 'X')]);
    expect(await view()).toBeUndefined();
  });

  it('equals a rebuild from zero', async () => {
    await bed.given([orderCreated('e1', 'erp', 'OPEN', { sourceSequence: 1 }), statusChanged('c1', 'crm', 'open'), statusChanged('e0', 'erp', 'X', { sourceSequence: 0 })]);
    await bed.run();
    const live = await bed.snapshot();
    expect(await bed.rebuild()).toEqual(live);
  });
});
