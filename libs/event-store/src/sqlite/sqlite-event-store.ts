import { performance } from 'node:perf_hooks';
import { StoreUnavailableError, systemClock, type Clock } from '@concord/common';
import { isFileDamage, migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import type {
  AppendRequest,
  AppendResult,
  CommitStats,
  EventStoreTelemetry,
  DuplicateReceipt,
  EventHashFeed,
  EventStore,
  Position,
  PositionedHash,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../event-store.port';
import { READ_COLUMNS, toStoredEvent, type EventRow } from './event-rows';
import { toVerifiedEvent } from './verified-rows';
import { InlineLogWriterChannel, type LogWriterChannel } from './log-writer-channel';
import { LogSubscription } from './log-subscription';
import { checkLogOnOpen, damagedLogError } from './open-check';
import { prepareRequest, type PreparedRequest } from './prepared-append';
import { EVENT_LOG_NAMESPACE, eventLogMigrations } from './schema';
import { ThreadLogWriterChannel } from './thread-log-writer';

export interface SqliteEventStoreOptions {
  readonly clock?: Clock;
  readonly synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** Upper bound of events committed in one transaction; more waits for the next one. */
  readonly maxEventsPerCommit?: number;
  /** How often a live subscription looks for events written by other processes. */
  readonly pollIntervalMs?: number;
  /**
   * `thread` (default for files): a worker thread owns the writing connection, so
   * hashing, inserts and fsync run beside the caller's thread. `inline`: the
   * caller's thread writes (always so for in-memory databases).
   */
  readonly writer?: 'thread' | 'inline';
  /**
   * `true` (default): every event read is checked against its hash, and the file is checked on open
   * (see open-check.ts), so damaged history is refused, never served. `false` serves rows as stored:
   * only for tools that check history themselves and must be able to read a damaged file (verify).
   */
  readonly checkHistory?: boolean;
  /**
   * Under load, how long (ms) a small group may wait for more appends before it is committed: at most
   * until half as many events as the previous group are queued. 0 commits whatever is queued at once.
   * At low load the previous group was small, so nothing waits.
   */
  readonly groupCommitWaitMs?: number;
}

interface PendingAppend {
  readonly requests: readonly PreparedRequest[];
  readonly eventCount: number;
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded event log on SQLite (better-sqlite3).
 *
 * Group commit: appends queue up while the writer commits the previous group;
 * the next group takes everything queued (up to maxEventsPerCommit) into one
 * transaction and one fsync. Each request still succeeds or fails on its own
 * (it runs in a savepoint). Promises resolve only after COMMIT returned, so an
 * acknowledgement always means the events are on disk.
 *
 * Everything about an event that does not depend on its place in the log
 * (digest, serialization, hashed text) is prepared when the append is called;
 * the writer (see LogWriter) only decides positions, revisions, idempotency and
 * hashes inside the transaction. Reads use this thread's own connection (WAL:
 * readers never wait for the writer).
 */
export class SqliteEventStore implements EventStore, EventStoreTelemetry, EventHashFeed {
  private readonly queue: PendingAppend[] = [];
  private queuedEvents = 0;
  private lastGroupEvents = 0;
  private waitTimer: NodeJS.Timeout | undefined;
  private dispatchScheduled = false;
  private committing = false;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly commitListeners = new Set<(commit: CommitStats) => void>();
  private readonly statements: ReturnType<SqliteEventStore['prepareStatements']>;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly writer: LogWriterChannel,
    private readonly clock: Clock,
    private readonly maxEventsPerCommit: number,
    private readonly pollIntervalMs: number,
    private readonly groupCommitWaitMs: number,
    private readonly toEvent: (row: EventRow) => StoredEvent,
  ) {
    this.statements = this.prepareStatements();
  }

  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const synchronous = options.synchronous ?? 'FULL';
    let db: SqliteDatabase | undefined;
    try {
      db = openDatabase(file, { synchronous });
      migrate(db, EVENT_LOG_NAMESPACE, eventLogMigrations);
      if (file !== ':memory:' && options.checkHistory !== false) checkLogOnOpen(db, file);
    } catch (error) {
      db?.close();
      if (isFileDamage(error)) {
        throw damagedLogError(file, `SQLite: ${(error as Error).message}`);
      }
      throw error;
    }
    const threaded = (options.writer ?? 'thread') === 'thread' && file !== ':memory:';
    const writer = threaded ? new ThreadLogWriterChannel({ file, synchronous }) : new InlineLogWriterChannel(db);
    return SqliteEventStore.withDefaults(db, writer, options);
  }

  /** For callers that already own the connection (one file shared by several stores): writes on that connection. */
  static onDatabase(db: SqliteDatabase, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    migrate(db, EVENT_LOG_NAMESPACE, eventLogMigrations);
    return SqliteEventStore.withDefaults(db, new InlineLogWriterChannel(db), options);
  }

  private static withDefaults(db: SqliteDatabase, writer: LogWriterChannel, options: SqliteEventStoreOptions): SqliteEventStore {
    const { clock = systemClock, maxEventsPerCommit = 5000, pollIntervalMs = 200, groupCommitWaitMs = 1, checkHistory = true } = options;
    return new SqliteEventStore(db, writer, clock, maxEventsPerCommit, pollIntervalMs, groupCommitWaitMs, checkHistory ? toVerifiedEvent : toStoredEvent);
  }

  private prepareStatements() {
    const db = this.db;
    return {
      head: db.prepare('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
      receipts: db.prepare('SELECT received_at, transport FROM event_receipts WHERE event_id = ? ORDER BY rowid'),
      getEvent: db.prepare(`SELECT ${READ_COLUMNS} FROM events WHERE event_id = ?`).raw(true),
      readAll: db.prepare(`SELECT ${READ_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(true),
      readHashes: db.prepare('SELECT position, hash FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      readStream: db.prepare(
        `SELECT ${READ_COLUMNS} FROM events WHERE stream = ? AND revision >= ? AND revision <= ? ORDER BY revision LIMIT ?`,
      ).raw(true),
    };
  }

  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the event store is closed'));
    if (requests.length === 0) return Promise.resolve([]);
    let prepared: PreparedRequest[];
    try {
      const recordedAt = this.clock.now().toISOString();
      prepared = requests.map((request) => prepareRequest(request, recordedAt));
    } catch (error) {
      // Not serializable as canonical JSON (NaN, a bigint…): the caller's mistake, refused before it is queued.
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const eventCount = prepared.reduce((sum, r) => sum + r.events.length, 0);
      this.queue.push({ requests: prepared, eventCount, resolve, reject });
      this.queuedEvents += eventCount;
      this.scheduleDispatch();
    });
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const [result] = await this.appendMany([request]);
    return result!;
  }

  /**
   * At most one group is being committed; the next one collects what arrives meanwhile. When the
   * writer is free, a group goes on the next turn of the event loop, unless it is much smaller than the
   * previous one: then it waits up to groupCommitWaitMs for the producers that the last commit just
   * answered, rather than spending a whole fsync on a handful of events.
   */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled || this.committing) return;
    const worthCommitting = Math.max(1, Math.floor(this.lastGroupEvents / 2));
    if (this.groupCommitWaitMs > 0 && this.queuedEvents < worthCommitting && !this.closed) {
      this.waitTimer ??= setTimeout(() => {
        this.waitTimer = undefined;
        this.dispatchSoon();
      }, this.groupCommitWaitMs);
      return;
    }
    this.dispatchSoon();
  }

  private dispatchSoon(): void {
    if (this.dispatchScheduled || this.committing) return;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      void this.dispatch();
    });
  }

  private takeGroup(): PendingAppend[] {
    const group: PendingAppend[] = [];
    let events = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (group.length > 0 && events + next.eventCount > this.maxEventsPerCommit) break;
      group.push(this.queue.shift()!);
      events += next.eventCount;
    }
    this.queuedEvents -= events;
    this.lastGroupEvents = events;
    return group;
  }

  /** Events accepted by appendMany that wait for their group commit (backpressure reads this). */
  pendingEvents(): number {
    return this.queuedEvents;
  }

  onCommit(listener: (commit: CommitStats) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private reportCommit(group: readonly PendingAppend[], started: number): void {
    if (this.commitListeners.size === 0) return;
    const commit: CommitStats = {
      requests: group.reduce((sum, pending) => sum + pending.requests.length, 0),
      events: group.reduce((sum, pending) => sum + pending.eventCount, 0),
      seconds: (performance.now() - started) / 1000,
    };
    for (const listener of this.commitListeners) listener(commit);
  }

  private async dispatch(): Promise<void> {
    const group = this.takeGroup();
    if (group.length === 0) return;
    this.committing = true;
    const started = performance.now();
    try {
      const results = await this.writer.commit(group.flatMap((pending) => pending.requests));
      this.reportCommit(group, started);
      let offset = 0;
      for (const pending of group) {
        pending.resolve(results.slice(offset, offset + pending.requests.length));
        offset += pending.requests.length;
      }
      for (const listener of this.listeners) listener();
    } catch (error) {
      const failure =
        error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`the event log could not commit: ${describeError(error)}`, { cause: error });
      for (const pending of group) pending.reject(failure);
    } finally {
      this.committing = false;
      if (this.queue.length > 0) this.scheduleDispatch();
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const rows = this.statements.readStream.all(
      stream,
      options.fromRevision ?? 0,
      options.toRevision ?? Number.MAX_SAFE_INTEGER,
      options.limit ?? -1,
    ) as EventRow[];
    return rows.map(this.toEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return this.readAllSync(options.after ?? 0, options.limit ?? 1000);
  }

  readAllSync(after: Position, limit: number): StoredEvent[] {
    return (this.statements.readAll.all(after, limit) as EventRow[]).map(this.toEvent);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    return this.feed(options, (after, limit) => this.readAllSync(after, limit));
  }

  /** The stored hashes as they are: the row's own hash column, not recomputed (that is what verify does). */
  async readHashes(options: ReadAllOptions = {}): Promise<PositionedHash[]> {
    return this.readHashesSync(options.after ?? 0, options.limit ?? 1000);
  }

  subscribeToHashes(options: SubscribeOptions = {}): Subscription<PositionedHash> {
    return this.feed(options, (after, limit) => this.readHashesSync(after, limit));
  }

  private readHashesSync(after: Position, limit: number): PositionedHash[] {
    return this.statements.readHashes.all(after, limit) as PositionedHash[];
  }

  private feed<T extends { readonly position: Position }>(options: SubscribeOptions, read: (after: Position, limit: number) => T[]): Subscription<T> {
    return new LogSubscription({
      after: options.after ?? 0,
      batchSize: options.batchSize ?? 500,
      read,
      onAppend: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      pollIntervalMs: this.pollIntervalMs,
      isClosed: () => this.closed,
    });
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const row = this.statements.getEvent.get(id) as EventRow | undefined;
    return row ? this.toEvent(row) : undefined;
  }

  async duplicateReceipts(id: string): Promise<DuplicateReceipt[]> {
    const rows = this.statements.receipts.all(id) as Array<{ received_at: string; transport: string }>;
    return rows.map((row) => ({ receivedAt: row.received_at, transport: JSON.parse(row.transport) as Transport }));
  }

  async headPosition(): Promise<Position> {
    return (this.statements.head.get() as { head: number }).head;
  }

  /** Proves the writer itself can commit right now (through the same connection and thread that appends use). */
  async checkWritable(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('the event store is closed');
    try {
      await this.writer.heartbeat(this.clock.now().toISOString());
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`the event log cannot take writes: ${describeError(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Everything already accepted is still committed (or refused) before the writer stops.
    if (this.waitTimer) this.dispatchSoon();
    while (this.queue.length > 0 || this.committing || this.dispatchScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.writer.close();
    for (const listener of this.listeners) listener();
    this.listeners.clear();
    this.db.close();
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
