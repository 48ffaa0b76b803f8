import { CorruptedHistoryError } from '@concord/common';
import { SqliteEventStore, type EventStore, type Position, type StoredEvent, type Subscription } from '@concord/event-store';
import { aNewEvent } from '@concord/event-store/testing';
import { SharedLogFeed } from './shared-log-feed';

/** An in-memory log that counts how often each event was read (by subscriptions or readAll). */
class CountingStore {
  readonly reads = new Map<Position, number>();
  damagedAt: Position | undefined;
  readonly log: SqliteEventStore;
  readonly store: EventStore;

  private constructor(log: SqliteEventStore) {
    this.log = log;
    const count = (events: StoredEvent[]): StoredEvent[] => {
      for (const event of events) {
        if (event.position === this.damagedAt) throw new CorruptedHistoryError(`event at ${event.position} does not match its hash`, { id: event.id, position: event.position, stream: event.stream });
        this.reads.set(event.position, (this.reads.get(event.position) ?? 0) + 1);
      }
      return events;
    };
    const readAllSync = log.readAllSync.bind(log);
    log.readAllSync = (after, limit) => count(readAllSync(after, limit));
    this.store = log;
  }

  static open(): CountingStore {
    return new CountingStore(SqliteEventStore.open(':memory:', { pollIntervalMs: 10 }));
  }

  async append(count: number): Promise<void> {
    const head = await this.log.headPosition();
    for (let i = 1; i <= count; i++) await this.log.append({ stream: `order-SO-${head + i}`, events: [aNewEvent({ id: `e${head + i}`, subject: { type: 'order', id: `SO-${head + i}` } })] });
  }

  readsOf(position: Position): number {
    return this.reads.get(position) ?? 0;
  }
}

/** Collects what a subscription delivers until `until` is reached (or it ends or throws). */
function collect(subscription: Subscription, until: Position): { done: Promise<Position[]> } {
  const positions: Position[] = [];
  const done = (async () => {
    for await (const batch of subscription) {
      positions.push(...batch.map((e) => e.position));
      if (positions.at(-1)! >= until) break;
    }
    return positions;
  })();
  return { done };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SharedLogFeed', () => {
  it('given consumers waiting at the tail, when events are appended, then each gets them all in order and the log is read once', async () => {
    const log = CountingStore.open();
    const feed = new SharedLogFeed({ store: log.store });
    const consumers = [collect(feed.subscribe({ after: 0 }), 30), collect(feed.subscribe({ after: 0 }), 30), collect(feed.subscribe({ after: 0 }), 30)];
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 3; i++) await log.append(10);
    for (const consumer of consumers) expect(await consumer.done).toEqual(range(1, 30));
    expect(range(1, 30).map((p) => log.readsOf(p))).toEqual(range(1, 30).map(() => 1));
    await log.log.close();
  });

  it('given a consumer far behind the retained window, then it reads on its own until it reaches it, without gaps or repeats', async () => {
    const log = CountingStore.open();
    await log.append(50);
    const feed = new SharedLogFeed({ store: log.store, batchSize: 5, retainEvents: 5 });
    const leading = collect(feed.subscribe({ after: 50, batchSize: 5 }), 70);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const lagging = collect(feed.subscribe({ after: 0, batchSize: 7 }), 70);
    await log.append(20);
    expect(await leading.done).toEqual(range(51, 70));
    expect(await lagging.done).toEqual(range(1, 70));
    await log.log.close();
  });

  it('given a consumer a little behind the fastest, then it is served from memory', async () => {
    const log = CountingStore.open();
    const feed = new SharedLogFeed({ store: log.store, batchSize: 100, retainEvents: 1000 });
    const fast = collect(feed.subscribe({ after: 0 }), 40);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await log.append(20);
    const slow = collect(feed.subscribe({ after: 5, batchSize: 3 }), 40);
    await log.append(20);
    expect(await fast.done).toEqual(range(1, 40));
    expect(await slow.done).toEqual(range(6, 40));
    expect(range(1, 40).every((p) => log.readsOf(p) === 1)).toBe(true);
    await log.log.close();
  });

  it('given a damaged event, then every consumer meets the error itself, naming the event', async () => {
    const log = CountingStore.open();
    await log.append(5);
    log.damagedAt = 3;
    const feed = new SharedLogFeed({ store: log.store });
    const outcomes = await Promise.allSettled([collect(feed.subscribe({ after: 0 }), 5).done, collect(feed.subscribe({ after: 1 }), 5).done]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(CorruptedHistoryError);
    }
    await log.log.close();
  });

  it('given the damage repaired, when a consumer subscribes again, then it gets every event', async () => {
    const log = CountingStore.open();
    await log.append(5);
    log.damagedAt = 3;
    const feed = new SharedLogFeed({ store: log.store });
    await expect(collect(feed.subscribe({ after: 0 }), 5).done).rejects.toBeInstanceOf(CorruptedHistoryError);
    log.damagedAt = undefined;
    expect(await collect(feed.subscribe({ after: 0 }), 5).done).toEqual(range(1, 5));
    await log.log.close();
  });

  it('when a consumer closes its subscription while waiting, then it ends; when the store closes, every consumer ends', async () => {
    const log = CountingStore.open();
    const feed = new SharedLogFeed({ store: log.store });
    const closing = feed.subscribe({ after: 0 });
    const first = collect(closing, 100);
    const second = collect(feed.subscribe({ after: 0 }), 100);
    await new Promise((resolve) => setTimeout(resolve, 5));
    closing.close();
    expect(await first.done).toEqual([]);
    await log.append(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await log.log.close();
    expect(await second.done).toEqual([1, 2]);
  });

  it('given a consumer ahead of the shared read, then it is not held back by it', async () => {
    const log = CountingStore.open();
    await log.append(30);
    const feed = new SharedLogFeed({ store: log.store, batchSize: 2, retainEvents: 2 });
    const behind = collect(feed.subscribe({ after: 0, batchSize: 2 }), 40);
    const ahead = collect(feed.subscribe({ after: 30 }), 40);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await log.append(10);
    expect(await ahead.done).toEqual(range(31, 40));
    expect(await behind.done).toEqual(range(1, 40));
    await log.log.close();
  });
});
