import type {
  AppendRequest,
  AppendResult,
  DuplicateReceipt,
  EventStore,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  Subscription,
} from '@concord/event-store';

/**
 * A read-only view of the log between two positions (both included): what a
 * projection replayed "for a past window" is allowed to see. Writes are
 * refused, and it does not follow the log live: a window has an end.
 */
export class LogWindow implements EventStore {
  constructor(
    private readonly log: EventStore,
    readonly from: Position,
    readonly to: Position,
  ) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to < from) {
      throw new RangeError(`a log window needs 1 ≤ from ≤ to, got ${from}..${to}`);
    }
  }

  private inside(event: StoredEvent): boolean {
    return event.position >= this.from && event.position <= this.to;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const after = Math.max(options.after ?? 0, this.from - 1);
    if (after >= this.to) return [];
    const limit = Math.min(options.limit ?? Number.MAX_SAFE_INTEGER, this.to - after);
    return (await this.log.readAll({ after, limit })).filter((event) => this.inside(event));
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return (await this.log.readStream(stream, options)).filter((event) => this.inside(event));
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const event = await this.log.getEvent(id);
    return event && this.inside(event) ? event : undefined;
  }

  duplicateReceipts(id: string): Promise<DuplicateReceipt[]> {
    return this.log.duplicateReceipts(id);
  }

  async headPosition(): Promise<Position> {
    return Math.min(this.to, await this.log.headPosition());
  }

  subscribe(): Subscription {
    throw new Error('a log window is replayed to its end (catchUp), never followed live');
  }

  async appendMany(_requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    throw new Error('a log window is read-only');
  }

  async append(_request: AppendRequest): Promise<AppendResult> {
    throw new Error('a log window is read-only');
  }

  async checkWritable(): Promise<void> {
    throw new Error('a log window is read-only');
  }

  /** The window does not own the log it looks into. */
  async close(): Promise<void> {}
}
