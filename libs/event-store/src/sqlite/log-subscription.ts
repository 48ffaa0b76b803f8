import type { Position, Subscription } from '../event-store.port';

export interface LogSubscriptionSource<T extends { readonly position: Position }> {
  readonly after: Position;
  readonly batchSize: number;
  readonly read: (after: Position, limit: number) => T[];
  /** Registers a wake-up for appends made through this process; returns the unregister function. */
  readonly onAppend: (listener: () => void) => () => void;
  /** Appends by other processes are only seen by polling. */
  readonly pollIntervalMs: number;
  readonly isClosed: () => boolean;
}

/**
 * Catch-up, then live: reads batches until the end of the log, then waits for
 * the next append (or the poll interval) and continues from the last position
 * it delivered. Delivery is in position order, without gaps, at least once per
 * subscription; consumers keep their own checkpoint.
 */
export class LogSubscription<T extends { readonly position: Position }> implements Subscription<T> {
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly source: LogSubscriptionSource<T>) {}

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly T[]> {
    let after = this.source.after;
    const unregister = this.source.onAppend(() => this.wake?.());
    try {
      while (!this.isDone()) {
        const batch = this.source.read(after, this.source.batchSize);
        if (batch.length > 0) {
          after = batch[batch.length - 1]!.position;
          yield batch;
          continue;
        }
        await this.nextAppendOrPoll();
      }
    } finally {
      unregister();
      this.wake = undefined;
    }
  }

  private isDone(): boolean {
    return this.closed || this.source.isClosed();
  }

  private nextAppendOrPoll(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.source.pollIntervalMs);
      this.wake = done;
    });
  }
}
