import { CorruptedHistoryError, StoreUnavailableError, type Clock } from '@concord/common';
import type { EventStore, Position, StoredEvent, Subscription } from '@concord/event-store';
import { BatchView } from './batch-view';
import { handlesEvent, type ProjectionDefinition } from './projection';
import { LeaseLostError, type LeaseFence } from './projection-lease.port';
import {
  CheckpointConflictError,
  type ProjectionFailure,
  type ProjectionState,
  type ReadModelStore,
} from './read-model-store.port';

export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  /** Where the live log comes from: a SharedLogFeed read once for every runner of the process; default the store's own subscription. */
  readonly feed?: Pick<EventStore, 'subscribe'>;
  readonly readModels: ReadModelStore;
  readonly clock: Clock;
  /** Turns a stored event into what projections read (upcast to the latest contract, personal data revealed or erased). */
  readonly prepare?: (event: StoredEvent) => StoredEvent | Promise<StoredEvent>;
  readonly batchSize?: number;
  /** Test seam: called after a batch was applied in memory, before it is committed. Throwing here simulates a crash. */
  readonly beforeCommit?: (projection: string, position: Position) => void;
  /** Test seam: wraps the unit of work (the testbed freezes documents to catch projections that mutate them). */
  readonly viewFactory?: (readModels: ReadModelStore) => BatchView;
  /** How long to wait before retrying after a store outage (StoreUnavailableError). Default 1 s. */
  readonly retryDelayMs?: number;
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
  /** Set while a leased projector holds the lease: every write carries it, and the store refuses it once stale. */
  private fence: LeaseFence | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly projection: ProjectionDefinition,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
  }

  /**
   * Writes from now on carry this fence (a leased projector's lease), or none. The store
   * refuses a fenced write once another projector took the lease over (LeaseLostError).
   */
  useFence(fence: LeaseFence | undefined): void {
    this.fence = fence ? { owner: fence.owner, token: fence.token } : undefined;
  }

  /** Starts following the log (idempotent). A stored read model of another version is rebuilt first. */
  async start(): Promise<void> {
    if (this.loop && this.following) return;
    await this.loop;
    this.stopping = false;
    try {
      const checkpoint = await this.options.readModels.checkpoint(this.projection.name);
      if (checkpoint && checkpoint.version !== this.projection.version) {
        await this.resetToZero();
      } else {
        this.position = checkpoint?.position ?? 0;
        this.lastError = undefined;
        const head = await this.options.store.headPosition();
        if (this.position > head) {
          // The positions between head and checkpoint will be written again by new events: following on would skip them.
          await this.recover(
            new Error(
              `the read model has applied the log up to position ${this.position}, but the event log ends at ${head}: the log lost its tail after this projection saw it (a torn file, or a log restored from an older backup). It stops rather than skip the positions written again; rebuild it from the log.`,
            ),
          );
          return;
        }
        if (checkpoint?.state === 'rebuilding') await this.beginRebuildTracking();
      }
      const state = this.rebuildProgress ? 'rebuilding' : 'running';
      await this.options.readModels.markState(this.projection.name, this.projection.version, state, this.now(), undefined, this.fence);
      this.state = state;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.becomeStandby();
      return;
    }
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    const wasFollowing = this.following;
    await this.halt();
    if (!wasFollowing) return;
    this.state = 'stopped';
    try {
      await this.options.readModels.markState(this.projection.name, this.projection.version, 'stopped', this.now(), undefined, this.fence);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.becomeStandby();
    }
  }

  /**
   * Stops following without writing anything: another projector holds (or may take) the
   * lease, and the stored state is its to report.
   */
  async standBy(): Promise<void> {
    await this.halt();
    this.becomeStandby();
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
    await this.options.readModels.reset(this.projection.name, this.projection.version, this.projection.collections, this.now(), this.fence);
    this.position = 0;
    this.lastError = undefined;
    await this.beginRebuildTracking();
  }

  async status(): Promise<ProjectionStatus> {
    // Not following here (standby, API-only, CLI): the checkpoint in the store is the truth.
    if (!this.following && this.state !== 'failed') await this.load();
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

  private get following(): boolean {
    return this.state === 'running' || this.state === 'rebuilding';
  }

  private async halt(): Promise<void> {
    this.stopping = true;
    this.subscription?.close();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private becomeStandby(): void {
    this.state = 'standby';
    this.fence = undefined;
    this.rebuildProgress = undefined;
  }

  private async beginRebuildTracking(): Promise<void> {
    const targetPosition = await this.options.store.headPosition();
    this.rebuildProgress =
      targetPosition > this.position ? { startedAt: this.now(), targetPosition, startPosition: this.position } : undefined;
  }

  private async follow(): Promise<void> {
    while (!this.stopping) {
      this.subscription = (this.options.feed ?? this.options.store).subscribe({ after: this.position, batchSize: this.batchSize });
      try {
        for await (const batch of this.subscription) {
          await this.process(batch);
        }
        return;
      } catch (error) {
        this.subscription.close();
        if (!(await this.recover(error))) return;
      }
    }
  }

  /** What follows an error while following: true to go on from the stored checkpoint, false to stop. */
  private async recover(error: unknown): Promise<boolean> {
    if (error instanceof LeaseLostError) {
      // Another projector took the lease over: this one writes nothing more (the store would refuse it anyway).
      this.becomeStandby();
      return false;
    }
    if (error instanceof StoreUnavailableError) {
      // An outage, not a bad event: say so on the status and try again, without marking the projection failed.
      this.lastError = { eventId: '', position: this.position, message: error.message, at: this.now() };
      await this.pause(this.options.retryDelayMs ?? 1000);
    }
    if (error instanceof CheckpointConflictError || error instanceof StoreUnavailableError) {
      // Someone else (a CLI rebuild) moved the checkpoint, or a commit's outcome is unknown: continue from the stored one.
      try {
        await this.load();
        return !this.stopping;
      } catch (reloadError) {
        return this.stopping ? false : this.recover(reloadError);
      }
    }
    const failure = failureOf(error, this.position, this.now());
    this.state = 'failed';
    this.lastError = failure;
    try {
      await this.options.readModels.markState(this.projection.name, this.projection.version, 'failed', this.now(), failure, this.fence);
    } catch (markError) {
      if (markError instanceof LeaseLostError) this.becomeStandby();
      // Otherwise the failure stays on this process's status; the store could not take it.
    }
    return false;
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.wake = undefined;
    });
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
        // An outage of what apply writes to (the outbox's broker) is not a bad event: wait and retry from the checkpoint.
        if (error instanceof StoreUnavailableError) throw error;
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
      ...(this.fence ? { fence: this.fence } : {}),
    });
    this.position = applied;
    if (this.lastError?.eventId === '') this.lastError = undefined; // an outage is over once a commit lands
    if (this.rebuildProgress && applied >= this.rebuildProgress.targetPosition) this.rebuildProgress = undefined;
    if (this.following) this.state = this.rebuildProgress ? 'rebuilding' : 'running';
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

/** What a stopped projection reports: the failing event, or the damaged one the log refused to hand over. */
function failureOf(error: unknown, position: Position, at: string): ProjectionFailure {
  if (error instanceof ProjectionFailed) return error.failure;
  if (error instanceof CorruptedHistoryError && error.event) return { eventId: error.event.id, position: error.event.position, message: error.message, at };
  return { eventId: '', position, message: describe(error), at };
}
