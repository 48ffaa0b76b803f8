import { join } from 'node:path';
import { systemClock } from '@concord/common';
import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { SqliteKeyVault } from '@concord/personal-data';
import { ProjectionRunner, SqliteReadModelStore, type ProjectionDefinition } from '@concord/projections';
import { prepareForReading } from '../../apps/hub/src/projections/projections.service';
import { workloadEvent, type PeerSystem } from './workload';

const STATUS_COUNTS = 'status-counts';

/** Count per status, as a Concord projection: one document per status. */
const statusCountsProjection: ProjectionDefinition = {
  name: 'status-counts',
  version: 1,
  collections: [STATUS_COUNTS],
  handles: ['order.status-changed'],
  keysOf: (event) => [{ collection: STATUS_COUNTS, key: String((event.data as { status: string }).status) }],
  async apply(event, view) {
    const status = String((event.data as { status: string }).status);
    const current = await view.get<{ count: number }>(STATUS_COUNTS, status);
    view.put(STATUS_COUNTS, status, { count: (current?.count ?? 0) + 1 });
  },
};

function envelopeOf(n: number, order: string): EventEnvelope {
  const event = workloadEvent(n);
  return { id: `peer-${n}`, source: 'erp', type: event.type, schemaVersion: 1, subject: { type: 'order', id: order }, occurredAt: '2026-11-21T10:00:00Z', data: event.data };
}

/**
 * Concord's event log as the hub opens it (SqliteEventStore: synchronous=FULL, WAL, writer thread,
 * idempotency by event id, hash chain) and its projection runner with the hub's read-model store.
 * The comparison is at the store API, like the peer's: HTTP and validation are bench:ingest's.
 */
export class ConcordSystem implements PeerSystem {
  readonly retries = 0;
  private readonly store: SqliteEventStore;
  private readModels: SqliteReadModelStore | undefined;
  private keys: SqliteKeyVault | undefined;

  constructor(private readonly dir: string) {
    this.store = SqliteEventStore.open(join(dir, 'events.db'));
  }

  warmUp(): Promise<void> {
    return this.store.checkWritable(); // starts the writer thread
  }

  async append(from: number, count: number): Promise<void> {
    const { order, stream } = workloadEvent(from);
    const events = Array.from({ length: count }, (_, i) => ({ envelope: envelopeOf(from + i, order), transport: { kind: 'internal' as const, component: 'bench' } }));
    const result = await this.store.append({ stream, events });
    if (!result.ok) throw new Error(`append refused: ${JSON.stringify(result)}`);
  }

  async projectStatusCounts(): Promise<void> {
    this.readModels = SqliteReadModelStore.open(join(this.dir, 'read-models.db'));
    this.keys = SqliteKeyVault.open(join(this.dir, 'keys.db'));
    const runner = new ProjectionRunner(statusCountsProjection, {
      store: this.store,
      readModels: this.readModels,
      clock: systemClock,
      prepare: prepareForReading(new ContractRegistry(exampleContracts), this.keys),
      batchSize: 1000,
    });
    await runner.resetToZero();
    await runner.catchUp();
  }

  storedEvents(): Promise<number> {
    return this.store.headPosition();
  }

  async statusCounts(): Promise<Record<string, number>> {
    const page = await this.readModels!.query(STATUS_COUNTS, { limit: 100 });
    return Object.fromEntries(page.items.map((item) => [item.key, (item.doc as { count: number }).count]));
  }

  async close(): Promise<void> {
    await this.readModels?.close();
    await this.keys?.close();
    await this.store.close();
  }
}
