import { ManualClock } from '@concord/common';
import { streamNameOf, type EventEnvelope } from '@concord/contracts';
import { SqliteEventStore, type StoredEvent, type Transport } from '@concord/event-store';
import type { Doc, ProjectionDefinition } from '../projection';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../projection-runner';
import type { ReadModelStore } from '../read-model-store.port';
import { deepFreeze, FrozenBatchView } from './frozen-view';
import { inMemorySqliteReadModels, sqliteReadModels, type ReadModelBackend } from './read-model-backends';
import type { ReadModelStoreUnderTest } from './read-model-store-contract';

export interface ProjectionTestbedOptions {
  readonly clock?: ManualClock;
  readonly prepare?: ProjectionRunnerOptions['prepare'];
  /** The read-model store to project into (closed with the testbed); default an in-memory SQLite one. */
  readonly readModels?: ReadModelStoreUnderTest;
}

const testTransport: Transport = { kind: 'internal', component: 'projection-spec' };

/**
 * An in-memory event log, read-model store and runner for one projection, with
 * a manual clock. `given` appends events through the real store (so positions,
 * streams and hashes are real); `run` applies everything; `docs` reads back.
 * `ProjectionTestbed.open(projection, { backend })` projects into another
 * read-model backend (PostgreSQL), so one spec proves both adapters.
 */
export class ProjectionTestbed {
  readonly clock: ManualClock;
  readonly store: SqliteEventStore;
  readonly readModels: ReadModelStore;
  readonly runner: ProjectionRunner;
  private readonly teardownReadModels: () => Promise<void>;

  constructor(
    readonly projection: ProjectionDefinition,
    options: ProjectionTestbedOptions = {},
  ) {
    this.clock = options.clock ?? new ManualClock('2026-11-21T10:00:00.000Z');
    this.store = SqliteEventStore.open(':memory:', { clock: this.clock });
    const readModels = options.readModels ?? inMemorySqliteReadModels();
    this.readModels = readModels.store;
    this.teardownReadModels = readModels.teardown;
    this.runner = new ProjectionRunner(projection, {
      store: this.store,
      readModels: this.readModels,
      clock: this.clock,
      viewFactory: (readModels) => new FrozenBatchView(readModels),
      // Live, one event object goes to every runner (SharedLogFeed): a projection that mutates its event fails here.
      prepare: async (event) => deepFreeze(options.prepare ? await options.prepare(event) : event),
    });
  }

  static async open(projection: ProjectionDefinition, options: Omit<ProjectionTestbedOptions, 'readModels'> & { backend?: ReadModelBackend } = {}): Promise<ProjectionTestbed> {
    const { backend = sqliteReadModels, ...rest } = options;
    return new ProjectionTestbed(projection, { ...rest, readModels: await backend.open() });
  }

  /** Appends envelopes one by one (each its own commit, 1 s of clock apart unless told otherwise). */
  async given(envelopes: readonly EventEnvelope[], options: { stepMs?: number } = {}): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    for (const envelope of envelopes) {
      const result = await this.store.append({ stream: streamNameOf(envelope.subject), events: [{ envelope, transport: testTransport }] });
      if (!result.ok) throw new Error(`testbed append refused: ${JSON.stringify(result)}`);
      stored.push((await this.store.getEvent(envelope.id))!);
      this.clock.advance(options.stepMs ?? 1000);
    }
    return stored;
  }

  async run(): Promise<void> {
    await this.runner.load();
    await this.runner.catchUp();
  }

  async doc<T extends Doc = Doc>(collection: string, key: string): Promise<T | undefined> {
    return (await this.readModels.get(collection, key)) as T | undefined;
  }

  /** Every document of the projection's collections, keyed `collection/key`, for whole-model comparisons. */
  snapshot(): Promise<Record<string, Doc>> {
    return readModelSnapshot(this.readModels, this.projection.collections);
  }

  /** Resets and replays from position 0; returns the snapshot afterwards. */
  async rebuild(): Promise<Record<string, Doc>> {
    await this.runner.resetToZero();
    await this.runner.catchUp();
    return this.snapshot();
  }

  async close(): Promise<void> {
    await this.runner.stop();
    await this.store.close();
    await this.teardownReadModels();
  }
}

/** Every document of these collections, keyed `collection/key`: compares whole read models (live against rebuilt). */
export async function readModelSnapshot(readModels: ReadModelStore, collections: readonly string[]): Promise<Record<string, Doc>> {
  const out: Record<string, Doc> = {};
  for (const collection of collections) {
    let after: { value: string | number | null; key: string } | undefined;
    for (;;) {
      const page = await readModels.query(collection, { limit: 500, ...(after ? { after } : {}) });
      for (const item of page.items) out[`${collection}/${item.key}`] = item.doc;
      const last = page.items[page.items.length - 1];
      if (!page.hasMore || !last) break;
      after = { value: last.sortValue, key: last.key };
    }
  }
  return out;
}
