import type { EventStore, Position, StoredEvent, SubscribeOptions, Subscription } from '@concord/event-store';

export interface SharedLogFeedOptions {
  readonly store: EventStore;
  /** Events per read of the shared subscription. Default 1,000. */
  readonly batchSize?: number;
  /**
   * How many of the latest events stay in memory for consumers a little behind the fastest one.
   * A consumer further behind (lagging, rebuilding) reads the log on its own. Default 10,000.
   */
  readonly retainEvents?: number;
}

/** The one subscription that reads the log for every consumer at the tail; replaced after it ends or fails. */
interface Leader {
  readonly subscription: Subscription;
  readonly events: AsyncIterator<readonly StoredEvent[]>;
  stopped: boolean;
  /** Set while it waits for a consumer to wait at the tail. */
  demand: (() => void) | undefined;
}

/**
 * One read of the live log for many consumers (the projection runners of one
 * process). Each used to read and hash-check every event itself; here one subscription of the
 * store reads each batch once, and every consumer at (or a little behind) the tail is served
 * the same checked events from memory. A consumer outside the retained window, one that lags
 * or rebuilds from zero, reads the log on its own until it reaches the window, then joins.
 *
 * Consumers get what a store subscription gives: batches in position order, without gaps,
 * starting after their own position. The shared read happens only on demand (a consumer
 * waiting at the tail), so it never runs ahead of everyone. When the shared read fails (a
 * damaged event, an outage), the window is dropped: each consumer then reads on its own and
 * meets the error itself, exactly as without the feed.
 *
 * Events are handed to several consumers: they must treat them as read-only (as documents).
 */
export class SharedLogFeed {
  private readonly store: EventStore;
  private readonly batchSize: number;
  private readonly retainEvents: number;
  /** Events in position order: every event after `windowFrom` up to the last one here. */
  private window: StoredEvent[] = [];
  /** undefined: no window (nothing read yet, or the shared read failed). */
  private windowFrom: Position | undefined;
  private leader: Leader | undefined;
  /** Moves on every change of the window, so a consumer can tell whether it changed during its own read. */
  private version = 0;
  private ended = false;
  private readonly waiting = new Set<() => void>();
  private consumers = 0;

  constructor(options: SharedLogFeedOptions) {
    this.store = options.store;
    this.batchSize = options.batchSize ?? 1000;
    this.retainEvents = Math.max(options.retainEvents ?? 10_000, this.batchSize);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    return new FeedSubscription(this, options.after ?? 0, options.batchSize ?? 1000);
  }

  /** @internal The events after `after` (at most `limit`) when the window holds them; [] at the tail; undefined outside the window. */
  slice(after: Position, limit: number): readonly StoredEvent[] | undefined {
    if (this.windowFrom === undefined || after < this.windowFrom) return undefined;
    if (after > this.tail()) return undefined;
    if (after === this.tail()) return [];
    const from = firstAfter(this.window, after);
    return this.window.slice(from, from + limit);
  }

  /** @internal */
  get changes(): number {
    return this.version;
  }

  /** @internal Whether the store's log has ended (the store closed under the shared read). */
  get closed(): boolean {
    return this.ended;
  }

  /** @internal The store, for a consumer outside the window. */
  readOwn(after: Position, limit: number): Promise<StoredEvent[]> {
    return this.store.readAll({ after, limit });
  }

  /** @internal Resolves when the window changes (or the consumer is woken to stop), reading on from `after` if nobody does. */
  next(after: Position, wake: (resolve: () => void) => void): Promise<void> {
    // Nobody reads, or the shared read is behind this consumer: it restarts where this one waits.
    if (!this.leader || this.tail() < after) this.lead(after);
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.waiting.delete(done);
        resolve();
      };
      this.waiting.add(done);
      wake(done);
      this.leader?.demand?.();
    });
  }

  /** @internal A consumer starts at `after`: the first one starts the shared read there. */
  attach(after: Position): void {
    this.consumers++;
    if (!this.leader) this.lead(after);
  }

  /** @internal */
  detach(): void {
    this.consumers--;
    if (this.consumers === 0) this.stopLeader();
  }

  private stopLeader(): void {
    const leader = this.leader;
    if (!leader) return;
    this.leader = undefined;
    leader.stopped = true;
    leader.subscription.close();
    leader.demand?.();
  }

  /** The last position the window holds (its start when empty); -1 without a window. */
  private tail(): Position {
    if (this.windowFrom === undefined) return -1;
    return this.window.length > 0 ? this.window[this.window.length - 1]!.position : this.windowFrom;
  }

  private lead(after: Position): void {
    this.stopLeader();
    // A consumer at `after` waits: the window restarts there (any old one was dropped with its leader).
    const subscription = this.store.subscribe({ after, batchSize: this.batchSize });
    const leader: Leader = { subscription, events: subscription[Symbol.asyncIterator](), stopped: false, demand: undefined };
    this.leader = leader;
    this.window = [];
    this.windowFrom = after;
    this.version++;
    void this.follow(leader);
  }

  private async follow(leader: Leader): Promise<void> {
    let failed = false;
    try {
      for (;;) {
        // Read only for a consumer waiting at the tail: the shared read never runs ahead of everyone.
        while (this.waiting.size === 0 && !leader.stopped) await new Promise<void>((resolve) => (leader.demand = resolve));
        leader.demand = undefined;
        if (leader.stopped) return;
        const next = await leader.events.next();
        if (leader.stopped) return;
        if (next.done) {
          this.ended = true;
          return;
        }
        this.append(next.value);
      }
    } catch {
      failed = true;
    } finally {
      if (this.leader === leader) {
        this.leader = undefined;
        // After a failure nobody is served from memory: each consumer reads on its own and meets the error itself.
        if (failed || this.ended) {
          this.window = [];
          this.windowFrom = undefined;
        }
        this.version++;
        for (const wake of [...this.waiting]) wake();
      }
    }
  }

  private append(batch: readonly StoredEvent[]): void {
    if (batch.length === 0) return;
    for (const event of batch) this.window.push(event);
    const excess = this.window.length - this.retainEvents;
    if (excess > 0) {
      this.windowFrom = this.window[excess - 1]!.position;
      this.window = this.window.slice(excess);
    }
    this.version++;
    for (const wake of [...this.waiting]) wake();
  }
}

/** One consumer's view of the feed: a store subscription's contract, served from the shared window where it can be. */
class FeedSubscription implements Subscription {
  private isClosed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly feed: SharedLogFeed,
    private readonly after: Position,
    private readonly batchSize: number,
  ) {}

  close(): void {
    this.isClosed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly StoredEvent[]> {
    const feed = this.feed;
    let after = this.after;
    feed.attach(after);
    try {
      while (!this.isClosed) {
        const shared = feed.slice(after, this.batchSize);
        if (shared !== undefined && shared.length > 0) {
          after = shared[shared.length - 1]!.position;
          yield shared;
          continue;
        }
        if (shared === undefined) {
          if (feed.closed) return;
          // Outside the window: read on its own (and meet any damage or outage itself).
          const seen = feed.changes;
          const own = await feed.readOwn(after, this.batchSize);
          if (own.length > 0) {
            after = own[own.length - 1]!.position;
            yield own;
            continue;
          }
          if (feed.changes !== seen || this.isClosed) continue;
        }
        await feed.next(after, (wake) => (this.wake = wake));
        this.wake = undefined;
      }
    } finally {
      this.wake = undefined;
      feed.detach();
    }
  }
}

/** Index of the first event after `position` (events in position order). */
function firstAfter(events: readonly StoredEvent[], position: Position): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle]!.position <= position) low = middle + 1;
    else high = middle;
  }
  return low;
}
