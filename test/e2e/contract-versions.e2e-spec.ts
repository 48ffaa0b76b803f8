import { IsOptional, IsString, Length } from 'class-validator';
import { defineContract, type ContractRegistry } from '@concord/contracts';
import { chainHash } from '@concord/event-store';
import { CONTRACT_REGISTRY } from '../../apps/hub/src/storage/storage.module';
import { startHub, statusChanged, type HubUnderTest } from './support/hub';

/** Version 2 of order.status-changed: `status` became `state`, and a free-text `note` replaced `reason`. */
class OrderStatusChangedV2 {
  @IsString() @Length(1, 64)
  state!: string;

  @IsOptional() @IsString() @Length(1, 500)
  note?: string;
}

/** Registering v2 is these few lines: the schema class above and its upcaster from v1. */
function registerV2(hub: HubUnderTest): void {
  hub.app.get<ContractRegistry>(CONTRACT_REGISTRY).register(
    defineContract({
      type: 'order.status-changed',
      version: 2,
      subjectType: 'order',
      schema: OrderStatusChangedV2,
      description: "An order's status changed in a source system (v2: state and note).",
      upcastFrom: ({ status, reason }) => ({ state: String(status), ...(reason === undefined ? {} : { note: String(reason) }) }),
    }),
  );
}

describe('a new contract version with an upcaster (through the real app)', () => {
  let hub: HubUnderTest;

  beforeEach(async () => {
    hub = await startHub();
  });

  afterEach(async () => {
    await hub.destroy();
  });

  it('reads stored v1 events as v2 by default and as stored with ?view=stored', async () => {
    const v1 = statusChanged('sc-1', 'SO-1', 'SHIPPED', { data: { status: 'SHIPPED', reason: 'left the warehouse' } });
    expect((await hub.post('/v1/events', v1)).body.results[0].status).toBe('appended');

    registerV2(hub);

    const latest = await hub.get('/v1/events/sc-1');
    expect(latest.status).toBe(200);
    expect(latest.body.event).toMatchObject({ schemaVersion: 2, storedSchemaVersion: 1, data: { state: 'SHIPPED', note: 'left the warehouse' } });

    const stored = await hub.get('/v1/events/sc-1?view=stored');
    expect(stored.body.event).toMatchObject({ schemaVersion: 1, data: { status: 'SHIPPED', reason: 'left the warehouse' } });
    expect(stored.body.event).not.toHaveProperty('storedSchemaVersion');
    // The hash covers what was stored, not the upcast view.
    expect(chainHash(stored.body.event.prevHash, stored.body.event)).toBe(stored.body.event.hash);
    expect(chainHash(latest.body.event.prevHash, latest.body.event)).not.toBe(latest.body.event.hash);

    const stream = await hub.get('/v1/streams/order-SO-1');
    expect(stream.body.events[0]).toMatchObject({ schemaVersion: 2, data: { state: 'SHIPPED' } });
    expect((await hub.get('/v1/streams/order-SO-1?view=stored')).body.events[0]).toMatchObject({ schemaVersion: 1 });
  });

  it('accepts v2 events, still accepts v1, and validates each against its own version', async () => {
    registerV2(hub);
    const response = await hub.post('/v1/events', {
      events: [
        statusChanged('v2-ok', 'SO-2', 'x', { schemaVersion: 2, data: { state: 'DONE', note: 'n' } }),
        statusChanged('v1-ok', 'SO-2', 'OPEN'),
        statusChanged('v2-bad', 'SO-2', 'x', { schemaVersion: 2, data: { status: 'DONE' } }),
        statusChanged('v3-bad', 'SO-2', 'x', { schemaVersion: 3, data: { state: 'DONE' } }),
      ],
    });
    const results = response.body.results as Array<{ status: string; reason?: string; errors?: Array<{ field: string }> }>;
    expect(results.map((r) => [r.status, r.reason])).toEqual([
      ['appended', undefined],
      ['appended', undefined],
      ['rejected', 'contract-violation'],
      ['rejected', 'unknown-schema-version'],
    ]);
    expect([...new Set(results[2]!.errors!.map((e) => e.field))].sort()).toEqual(['data.state', 'data.status']);
    expect((await hub.get('/v1/events/v2-ok')).body.event).toMatchObject({ schemaVersion: 2, data: { state: 'DONE', note: 'n' } });
    expect((await hub.get('/v1/events/v2-ok')).body.event).not.toHaveProperty('storedSchemaVersion');
  });
});
