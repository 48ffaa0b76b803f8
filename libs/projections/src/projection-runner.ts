import type { Clock } from '@concord/common';
import type { EventStore, Position, StoredEvent, Subscription } from '@concord/event-store';
import { BatchView } from './batch-view';
import { handlesEvent, type ProjectionDefinition } from './projection';
import {
  CheckpointConflictError,
  type ProjectionFailure,
  type ProjectionState,
  type ReadModelStore,
} from './read-model-store.port';

export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly clock: Clock;
  /** Turns a stored event into what projections read (upcast to the latest contract, personal data revealed or erased). */
  readonly prepare?: (event: StoredEvent) => StoredEvent | Promise<StoredEvent>;
  readonly batchSize?: number;
  /** Test seam: called after a batch was applied in memory, before it is committed. Throwing here simulates a crash. */
  readonly beforeCommit?: (projection: string, position: Position) => void;
  /** Test seam: wraps the unit of work (the testbed freezes documents to catch projections that mutate them). */
  readonly viewFactory?: (readModels: ReadModelStore) => BatchView;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly state: ProjectionState;
  readonly checkpoint: Position;
  readonly headPosition: Position;
  readonly lagEvents: number;
  readonly lagSeconds: number;
  readonly lastError?: ProjectionFailure;
  readonly rebuild?: RebuildProgress;
}

export interface RebuildProgress {
  readonly startedAt: string;
  readonly targetPosition: Position;
  readonly processed: number;
  readonly total: number;
}

class ProjectionFailed extends Error {
  constructor(readonly failure: ProjectionFailure) {
    super(failure.message);
  }
}

/**
 * Runs one projection: catch up from its checkpoint, then follow the log live.
 * Each batch's document changes and the new checkpoint are committed in one
 * transaction, so a crash never applies an event twice or skips one. An event
 * the projection cannot apply stops it at that position with the error on its
 * status; it is retried on resume or restart, never skipped.
 */
export class ProjectionRunner {
  private state: ProjectionState = 'stopped';
  private position: Position = 0;
  private lastError: ProjectionFailure | undefined;
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private rebuildProgress: { startedAt: string; targetPosition: Position; startPosition: Position } | undefined;
  private readonly batchSize: number;

  constructor(
    readonly projection: ProjectionDefinition,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
  }

  /** Starts following the log (idempotent). A stored read model of another version is rebuilt first. */
  async start(): Promise<void> {
    if (this.loop && this.state !== 'failed') return;
    await this.loop;
    const checkpoint = await this.options.readModels.checkpoint(this.projection.name);
    if (checkpoint && checkpoint.version !== this.projection.version) {
      await this.resetToZero();
    } else {
      this.position = checkpoint?.position ?? 0;
      this.lastError = undefined;
      if (checkpoint?.state === 'rebuilding') await this.beginRebuildTracking();
    }
    this.state = this.rebuildProgress ? 'rebuilding' : 'running';
    await this.options.readModels.markState(this.projection.name, this.projection.version, this.state, this.now());
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    this.subscription?.close();
    await this.loop;
    this.loop = undefined;
    if (this.state !== 'failed') {
      this.state = 'stopped';
      await this.options.readModels.markState(this.projection.name, this.projection.version, 'stopped', this.now());
    }
  }

  /** Empties the read model and replays the whole log into it, while ingestion goes on. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.resetToZero();
    await this.start();
  }

  /** Waits until the checkpoint reaches `position` (or the projection fails). For tests and the CLI. */
  async waitFor(position: Position, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.position < position) {
      if (this.state === 'failed') throw new Error(`projection ${this.projection.name} failed: ${this.lastError?.message}`);
      if (Date.now() > deadline) throw new Error(`projection ${this.projection.name} did not reach ${position} (at ${this.position})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Applies everything up to the current head without following live: the CLI's
   * rebuild and replay use this. `onProgress` is called after every batch.
   */
  async catchUp(onProgress?: (position: Position) => void): Promise<Position> {
    const head = await this.options.store.headPosition();
    while (this.position < head) {
      const batch = await this.options.store.readAll({ after: this.position, limit: this.batchSize });
      if (batch.length === 0) break;
      await this.process(batch);
      onProgress?.(this.position);
    }
    return this.position;
  }

  /** Loads the stored checkpoint without following; pair with `catchUp`. */
  async load(): Promise<void> {
    const checkpoint = await this.options.readModels.checkpoint(this.projection.name);
    this.position = checkpoint?.version === this.projection.version ? checkpoint.position : 0;
  }

  async resetToZero(): Promise<void> {
    await this.options.readModels.reset(this.projection.name, this.projection.version, this.projection.collections, this.now());
    this.position = 0;
    this.lastError = undefined;
    await this.beginRebuildTracking();
  }

  async status(): Promise<ProjectionStatus> {
    const headPosition = await this.options.store.headPosition();
    const lagEvents = Math.max(0, headPosition - this.position);
    let lagSeconds = 0;
    if (lagEvents > 0) {
      const [next] = await this.options.store.readAll({ after: this.position, limit: 1 });
      if (next) lagSeconds = Math.max(0, (this.options.clock.now().getTime() - Date.parse(next.recordedAt)) / 1000);
    }
    return {
      name: this.projection.name,
      version: this.projection.version,
      state: this.state,
      checkpoint: this.position,
      headPosition,
      lagEvents,
      lagSeconds,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.rebuildProgress
        ? {
            rebuild: {
              startedAt: this.rebuildProgress.startedAt,
              targetPosition: this.rebuildProgress.targetPosition,
              processed: this.position - this.rebuildProgress.startPosition,
              total: this.rebuildProgress.targetPosition - this.rebuildProgress.startPosition,
            },
          }
        : {}),
    };
  }

  get currentPosition(): Position {
    return this.position;
  }

  get currentState(): ProjectionState {
    return this.state;
  }

  private async beginRebuildTracking(): Promise<void> {
    const targetPosition = await this.options.store.headPosition();
    this.rebuildProgress =
      targetPosition > this.position ? { startedAt: this.now(), targetPosition, startPosition: this.position } : undefined;
  }

  private async follow(): Promise<void> {
    while (true) {
      this.subscription = this.options.store.subscribe({ after: this.position, batchSize: this.batchSize });
      try {
        for await (const batch of this.subscription) {
          await this.process(batch);
        }
        return;
      } catch (error) {
        this.subscription.close();
        if (error instanceof CheckpointConflictError) {
          // Someone else (a CLI rebuild, another projector) moved the checkpoint: continue from theirs.
          await this.load();
          continue;
        }
        const failure =
          error instanceof ProjectionFailed
            ? error.failure
            : { eventId: '', position: this.position, message: describe(error), at: this.now() };
        this.state = 'failed';
        this.lastError = failure;
        await this.options.readModels.markState(this.projection.name, this.projection.version, 'failed', this.now(), failure);
        return;
      }
    }
  }

  /** Applies one batch and commits it with the checkpoint; on a failing event commits what came before it, then throws. */
  private async process(batch: readonly StoredEvent[]): Promise<void> {
    const view = this.options.viewFactory ? this.options.viewFactory(this.options.readModels) : new BatchView(this.options.readModels);
    await this.prefetch(batch, view);
    let applied = this.position;
    for (const event of batch) {
      if (event.position <= applied) continue;
      try {
        if (handlesEvent(this.projection, event.type)) {
          const prepared = this.options.prepare ? await this.options.prepare(event) : event;
          await this.projection.apply(prepared, view);
        }
      } catch (error) {
        const failure: ProjectionFailure = { eventId: event.id, position: event.position, message: describe(error), at: this.now() };
        // The failing event may have half-written the view: replay only the events before it, then stop.
        if (applied > this.position) await this.process(batch.filter((e) => e.position <= applied));
        throw new ProjectionFailed(failure);
      }
      applied = event.position;
    }
    if (applied === this.position) return;
    this.options.beforeCommit?.(this.projection.name, applied);
    const state: ProjectionState = this.rebuildProgress ? 'rebuilding' : 'running';
    await this.options.readModels.commit({
      name: this.projection.name,
      version: this.projection.version,
      expectedPosition: this.position,
      position: applied,
      changes: view.changes(),
      state: this.rebuildProgress && applied >= this.rebuildProgress.targetPosition ? 'running' : state,
      at: this.now(),
    });
    this.position = applied;
    if (this.rebuildProgress && applied >= this.rebuildProgress.targetPosition) this.rebuildProgress = undefined;
    if (this.state !== 'failed' && this.state !== 'stopped') this.state = this.rebuildProgress ? 'rebuilding' : 'running';
  }

  private async prefetch(batch: readonly StoredEvent[], view: BatchView): Promise<void> {
    const keysOf = this.projection.keysOf?.bind(this.projection);
    if (!keysOf) return;
    const byCollection = new Map<string, Set<string>>();
    for (const event of batch) {
      if (event.position <= this.position || !handlesEvent(this.projection, event.type)) continue;
      for (const { collection, key } of keysOf(event)) {
        const keys = byCollection.get(collection) ?? new Set<string>();
        keys.add(key);
        byCollection.set(collection, keys);
      }
    }
    for (const [collection, keys] of byCollection) await view.prefetch(collection, [...keys]);
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
