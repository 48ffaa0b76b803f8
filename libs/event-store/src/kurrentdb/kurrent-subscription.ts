import type { AllStreamSubscription } from '@eventstore/db-client';
import { StoreUnavailableError } from '@concord/common';
import type { Position, StoredEvent, Subscription } from '../event-store.port';
import type { KurrentRecord } from './kurrent-records';

export interface KurrentSubscriptionSource {
  /** Exclusive: a catch-up subscription to `$all` that starts after this position. */
  readonly open: (after: Position) => AllStreamSubscription;
  /** The Concord event a record is, or undefined for records this hub does not own. */
  readonly toStoredEvent: (record: KurrentRecord) => StoredEvent | undefined;
  readonly after: Position;
  readonly batchSize: number;
  readonly isStoreClosed: () => boolean;
  /** Waits between resubscriptions after the server dropped the subscription; exhausted → the iterator fails. */
  readonly retryDelaysMs: readonly number[];
  readonly onClose?: () => void;
}

/**
 * The port's catch-up-then-live feed over a KurrentDB `$all` subscription.
 * KurrentDB already catches up and then goes live by itself; this class adds
 * batching, stops on close, and resubscribes from the last delivered position
 * when the server drops the subscription (a restart, a leader change), so the
 * consumer sees one uninterrupted, ordered feed without gaps or repeats.
 */
export class KurrentLogSubscription implements Subscription {
  private closed = false;
  private feed: RecordFeed | undefined;

  constructor(private readonly source: KurrentSubscriptionSource) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed?.stop();
    this.source.onClose?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly StoredEvent[]> {
    let after = this.source.after;
    let failures = 0;
    while (!this.isDone()) {
      const feed = new RecordFeed(this.source.open(after), this.source.batchSize * 4);
      this.feed = feed;
      let failure: unknown;
      try {
        for (;;) {
          const records = await feed.take(this.source.batchSize).catch((error: unknown) => {
            failure = error;
            return undefined;
          });
          if (this.isDone()) return;
          if (records === undefined) break;
          failures = 0;
          const batch = records.map(this.source.toStoredEvent).filter((e): e is StoredEvent => e !== undefined && e.position > after);
          if (batch.length === 0) continue;
          after = batch[batch.length - 1]!.position;
          yield batch;
        }
      } finally {
        feed.stop();
        this.feed = undefined;
      }
      // The server dropped (or ended) the subscription while we still want it: resubscribe after a pause.
      const delay = this.source.retryDelaysMs[failures++];
      if (delay === undefined) {
        const reason = failure === undefined ? 'the server ended it' : describe(failure);
        throw new StoreUnavailableError(`the KurrentDB subscription failed ${failures} times in a row: ${reason}`, { cause: failure });
      }
      await sleep(delay);
    }
  }

  private isDone(): boolean {
    return this.closed || this.source.isStoreClosed();
  }
}

/** Buffers a subscription's records (pausing it when the consumer is slow) and hands them out in batches. */
class RecordFeed {
  private readonly queue: KurrentRecord[] = [];
  private failure: { error: unknown } | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly subscription: AllStreamSubscription,
    private readonly highWaterMark: number,
  ) {
    subscription.on('data', (resolved: { event?: KurrentRecord }) => {
      if (resolved.event) this.queue.push(resolved.event);
      if (this.queue.length >= this.highWaterMark) subscription.pause();
      this.notify();
    });
    subscription.on('error', (error: Error) => {
      this.failure = { error };
      this.notify();
    });
    subscription.on('end', () => this.finish());
    subscription.on('close', () => this.finish());
  }

  /** Up to `max` records; undefined once the subscription ended; throws what the subscription failed with. */
  async take(max: number): Promise<KurrentRecord[] | undefined> {
    while (this.queue.length === 0 && !this.failure && !this.ended) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.queue.length > 0) {
      const batch = this.queue.splice(0, max);
      if (this.subscription.isPaused() && this.queue.length < this.highWaterMark / 2) this.subscription.resume();
      return batch;
    }
    if (this.failure) throw this.failure.error;
    return undefined;
  }

  stop(): void {
    this.ended = true;
    this.queue.length = 0;
    this.notify();
    this.subscription.unsubscribe().catch(() => undefined);
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
