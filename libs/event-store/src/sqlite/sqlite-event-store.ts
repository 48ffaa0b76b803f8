import { StoreUnavailableError, systemClock, type Clock } from '@concord/common';
import { migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import { chainHash, contentDigest, GENESIS_HASH } from '../chain';
import { performance } from 'node:perf_hooks';
import type {
  AppendedEvent,
  CommitStats,
  EventStoreTelemetry,
  AppendRequest,
  AppendResult,
  DuplicateReceipt,
  EventStore,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../event-store.port';
import { revisionConflict } from '../expected-revision';
import { EVENT_COLUMNS, toStoredEvent, type EventRow } from './event-rows';
import { EVENT_LOG_NAMESPACE, eventLogMigrations } from './schema';
import { LogSubscription } from './log-subscription';

export interface SqliteEventStoreOptions {
  readonly clock?: Clock;
  readonly synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** Upper bound of events committed in one transaction; more waits for the next one. */
  readonly maxEventsPerCommit?: number;
  /** How often a live subscription looks for events written by other processes. */
  readonly pollIntervalMs?: number;
}

interface PendingAppend {
  readonly requests: readonly AppendRequest[];
  readonly eventCount: number;
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

interface ExistingEvent {
  position: number;
  stream: string;
  revision: number;
  content_digest: string;
}

/** Thrown inside a transaction only to roll one request back to its savepoint. */
class RequestRefused {
  constructor(readonly result: AppendResult) {}
}

/**
 * The embedded event log on SQLite (better-sqlite3).
 *
 * Group commit: appends that arrive while a transaction is being prepared are
 * queued and committed together on the next turn of the event loop, one fsync
 * for all of them. Each request still succeeds or fails on its own (it runs in
 * a savepoint). Promises resolve only after COMMIT returned, so an
 * acknowledgement always means the events are on disk.
 */
export class SqliteEventStore implements EventStore, EventStoreTelemetry {
  private readonly queue: PendingAppend[] = [];
  private queuedEvents = 0;
  private readonly commitListeners = new Set<(commit: CommitStats) => void>();
  private flushScheduled = false;
  private closed = false;
  private lastPosition: number;
  private readonly listeners = new Set<() => void>();
  private readonly statements: ReturnType<SqliteEventStore['prepareStatements']>;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly clock: Clock,
    private readonly maxEventsPerCommit: number,
    private readonly pollIntervalMs: number,
  ) {
    migrate(db, EVENT_LOG_NAMESPACE, eventLogMigrations);
    this.statements = this.prepareStatements();
    this.lastPosition = this.readHead();
  }

  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const db = openDatabase(file, { synchronous: options.synchronous ?? 'FULL' });
    return new SqliteEventStore(db, options.clock ?? systemClock, options.maxEventsPerCommit ?? 5000, options.pollIntervalMs ?? 200);
  }

  /** For callers that already own the connection (one file shared by several stores). */
  static onDatabase(db: SqliteDatabase, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    return new SqliteEventStore(db, options.clock ?? systemClock, options.maxEventsPerCommit ?? 5000, options.pollIntervalMs ?? 200);
  }

  private prepareStatements() {
    const db = this.db;
    return {
      head: db.prepare('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
      byId: db.prepare('SELECT position, stream, revision, content_digest FROM events WHERE event_id = ?'),
      tail: db.prepare('SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      insert: db.prepare(
        `INSERT INTO events (${EVENT_COLUMNS}) VALUES (@position, @event_id, @stream, @revision, @type, @schema_version, @source, @subject_type, @subject_id, @occurred_at, @recorded_at, @source_sequence, @correlation_id, @causation_id, @actor, @data, @transport, @content_digest, @prev_hash, @hash)`,
      ),
      heartbeat: db.prepare(
        'INSERT INTO store_heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at',
      ),
      receipt: db.prepare('INSERT INTO event_receipts (event_id, received_at, transport) VALUES (?, ?, ?)'),
      receipts: db.prepare('SELECT received_at, transport FROM event_receipts WHERE event_id = ? ORDER BY rowid'),
      getEvent: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`),
      readAll: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      readStream: db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? AND revision <= ? ORDER BY revision LIMIT ?`,
      ),
    };
  }

  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the event store is closed'));
    if (requests.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const eventCount = requests.reduce((sum, r) => sum + r.events.length, 0);
      this.queue.push({ requests, eventCount, resolve, reject });
      this.queuedEvents += eventCount;
      this.scheduleFlush();
    });
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const [result] = await this.appendMany([request]);
    return result!;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
      if (this.queue.length > 0) this.scheduleFlush();
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
      this.queuedEvents -= next.eventCount;
    }
    return group;
  }

  private flush(): void {
    const group = this.takeGroup();
    if (group.length === 0) return;
    const recordedAt = this.clock.now().toISOString();
    const started = performance.now();
    let results: AppendResult[][];
    try {
      results = this.db.transaction(() => group.map((pending) => pending.requests.map((r) => this.appendOne(r, recordedAt))))();
    } catch (error) {
      // Nothing of this group is on disk: forget the positions it had taken.
      this.lastPosition = this.readHead();
      const failure = new StoreUnavailableError(`the event log could not commit: ${describeError(error)}`, { cause: error });
      for (const pending of group) pending.reject(failure);
      return;
    }
    group.forEach((pending, index) => pending.resolve(results[index]!));
    for (const listener of this.listeners) listener();
    if (this.commitListeners.size > 0) {
      const commit: CommitStats = {
        requests: group.reduce((sum, pending) => sum + pending.requests.length, 0),
        events: group.reduce((sum, pending) => sum + pending.eventCount, 0),
        seconds: (performance.now() - started) / 1000,
      };
      for (const listener of this.commitListeners) listener(commit);
    }
  }

  pendingEvents(): number {
    return this.queuedEvents;
  }

  onCommit(listener: (commit: CommitStats) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private appendOne(request: AppendRequest, recordedAt: string): AppendResult {
    const positionBefore = this.lastPosition;
    try {
      // A nested better-sqlite3 transaction is a savepoint: a refused request leaves no trace.
      return this.db.transaction(() => this.appendInSavepoint(request, recordedAt))();
    } catch (error) {
      this.lastPosition = positionBefore;
      if (error instanceof RequestRefused) return error.result;
      throw error;
    }
  }

  private appendInSavepoint(request: AppendRequest, recordedAt: string): AppendResult {
    const { stream, events } = request;
    const tail = this.statements.tail.get(stream) as { revision: number; hash: string } | undefined;
    let revision = tail?.revision ?? -1;
    let prevHash = tail?.hash ?? GENESIS_HASH;
    const outcomes: AppendedEvent[] = [];
    let checkedRevision = false;

    for (const event of events) {
      const digest = contentDigest(event.envelope);
      const existing = this.statements.byId.get(event.envelope.id) as ExistingEvent | undefined;
      if (existing) {
        if (existing.content_digest !== digest || existing.stream !== stream) {
          throw new RequestRefused({
            ok: false,
            reason: 'id-reused-with-different-content',
            eventId: event.envelope.id,
            existing: { position: existing.position, stream: existing.stream, revision: existing.revision },
          });
        }
        this.statements.receipt.run(event.envelope.id, recordedAt, JSON.stringify(event.transport));
        outcomes.push({ id: event.envelope.id, status: 'duplicate', position: existing.position, stream, revision: existing.revision });
        continue;
      }
      if (!checkedRevision) {
        // Checked only when something new is written: a retried append whose events are
        // all stored already is a duplicate, whatever the stream has become since.
        checkExpectedRevision(request, tail?.revision);
        checkedRevision = true;
      }
      revision += 1;
      const position = ++this.lastPosition;
      const hash = chainHash(prevHash, { ...event.envelope, stream, revision, recordedAt, transport: event.transport });
      this.statements.insert.run(toRow(event, { position, stream, revision, recordedAt, digest, prevHash, hash }));
      prevHash = hash;
      outcomes.push({ id: event.envelope.id, status: 'appended', position, stream, revision });
    }
    return { ok: true, events: outcomes };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const rows = this.statements.readStream.all(
      stream,
      options.fromRevision ?? 0,
      options.toRevision ?? Number.MAX_SAFE_INTEGER,
      options.limit ?? -1,
    ) as EventRow[];
    return rows.map(toStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return this.readAllSync(options.after ?? 0, options.limit ?? 1000);
  }

  readAllSync(after: Position, limit: number): StoredEvent[] {
    return (this.statements.readAll.all(after, limit) as EventRow[]).map(toStoredEvent);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    return new LogSubscription({
      after: options.after ?? 0,
      batchSize: options.batchSize ?? 500,
      read: (after, limit) => this.readAllSync(after, limit),
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
    return row ? toStoredEvent(row) : undefined;
  }

  async duplicateReceipts(id: string): Promise<DuplicateReceipt[]> {
    const rows = this.statements.receipts.all(id) as Array<{ received_at: string; transport: string }>;
    return rows.map((row) => ({ receivedAt: row.received_at, transport: JSON.parse(row.transport) as Transport }));
  }

  async headPosition(): Promise<Position> {
    return this.readHead();
  }

  async checkWritable(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('the event store is closed');
    try {
      this.db.transaction(() => this.statements.heartbeat.run(this.clock.now().toISOString()))();
    } catch (error) {
      throw new StoreUnavailableError(`the event log cannot take writes: ${describeError(error)}`, { cause: error });
    }
  }

  private readHead(): number {
    return (this.statements.head.get() as { head: number }).head;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.queue.length > 0) this.flush();
    this.closed = true;
    for (const listener of this.listeners) listener();
    this.listeners.clear();
    this.db.close();
  }
}

function checkExpectedRevision(request: AppendRequest, current: number | undefined): void {
  const conflict = revisionConflict(request, current);
  if (conflict) throw new RequestRefused(conflict);
}

function toRow(
  event: NewEvent,
  hub: { position: number; stream: string; revision: number; recordedAt: string; digest: string; prevHash: string; hash: string },
): EventRow {
  const envelope = event.envelope;
  return {
    position: hub.position,
    event_id: envelope.id,
    stream: hub.stream,
    revision: hub.revision,
    type: envelope.type,
    schema_version: envelope.schemaVersion,
    source: envelope.source,
    subject_type: envelope.subject.type,
    subject_id: envelope.subject.id,
    occurred_at: envelope.occurredAt,
    recorded_at: hub.recordedAt,
    source_sequence: envelope.sourceSequence ?? null,
    correlation_id: envelope.correlationId ?? null,
    causation_id: envelope.causationId ?? null,
    actor: envelope.actor ? JSON.stringify(envelope.actor) : null,
    data: JSON.stringify(envelope.data),
    transport: JSON.stringify(event.transport),
    content_digest: hub.digest,
    prev_hash: hub.prevHash,
    hash: hub.hash,
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
