import { createHash } from 'node:crypto';
import { StoreUnavailableError, systemClock, randomIds, type Clock, type IdGenerator } from '@concord/common';
import type { FieldError } from '@concord/contracts';
import type { Transport } from '@concord/event-store';
import { migrate, type SqliteDatabase } from '@concord/sqlite';
import type {
  QuarantineEntry,
  QuarantineFilter,
  QuarantineInput,
  QuarantinePage,
  QuarantineReason,
  QuarantineStats,
  QuarantineStatus,
  QuarantineStore,
  ReplayAttempt,
} from './quarantine.port';

const MIGRATIONS = [
  {
    version: 1,
    description: 'quarantine of refused inputs',
    sql: `
      CREATE TABLE quarantine (
        seq           INTEGER PRIMARY KEY,
        id            TEXT    NOT NULL UNIQUE,
        fingerprint   TEXT    NOT NULL UNIQUE,
        reason        TEXT    NOT NULL,
        message       TEXT    NOT NULL,
        errors        TEXT    NOT NULL,
        raw           TEXT    NOT NULL,
        source        TEXT,
        event_id      TEXT,
        event_type    TEXT,
        transport     TEXT    NOT NULL,
        first_seen_at TEXT    NOT NULL,
        last_seen_at  TEXT    NOT NULL,
        attempts      INTEGER NOT NULL,
        status        TEXT    NOT NULL CHECK (status IN ('open', 'resolved'))
      ) STRICT;
      CREATE INDEX quarantine_by_event_id ON quarantine (event_id);
      CREATE INDEX quarantine_by_source ON quarantine (source, seq);
    `,
  },
  {
    version: 2,
    description: 'replay history, resolution time and kept request headers',
    sql: `
      ALTER TABLE quarantine ADD COLUMN headers TEXT;
      ALTER TABLE quarantine ADD COLUMN resolved_at TEXT;
      CREATE TABLE quarantine_replays (
        seq           INTEGER PRIMARY KEY,
        quarantine_id TEXT NOT NULL REFERENCES quarantine (id),
        attempt       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX quarantine_replays_by_entry ON quarantine_replays (quarantine_id, seq);
      CREATE INDEX quarantine_by_first_seen ON quarantine (first_seen_at);
      CREATE INDEX quarantine_by_resolved ON quarantine (resolved_at);
    `,
  },
];

export const MAX_PAGE_SIZE = 500;

interface QuarantineRow {
  seq: number;
  id: string;
  reason: string;
  message: string;
  errors: string;
  raw: string;
  source: string | null;
  event_id: string | null;
  event_type: string | null;
  transport: string;
  first_seen_at: string;
  last_seen_at: string;
  attempts: number;
  status: string;
  headers: string | null;
  resolved_at: string | null;
}

/**
 * Quarantine in the same SQLite file as the event log, so a refusal is as
 * durable as an acceptance. Entries are never deleted; a successful replay
 * marks them resolved and every replay attempt is kept with the entry.
 */
export class SqliteQuarantineStore implements QuarantineStore {
  private readonly upsert;
  private readonly byFingerprint;
  private readonly byId;
  private readonly open;
  private readonly replaysOf;
  private readonly addReplay;
  private readonly resolve;
  private readonly counts;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock = systemClock,
    private readonly ids: IdGenerator = randomIds,
  ) {
    migrate(db, 'quarantine', MIGRATIONS);
    this.upsert = db.prepare(`
      INSERT INTO quarantine (id, fingerprint, reason, message, errors, raw, source, event_id, event_type, transport, headers, first_seen_at, last_seen_at, attempts, status)
      VALUES (@id, @fingerprint, @reason, @message, @errors, @raw, @source, @event_id, @event_type, @transport, @headers, @now, @now, 1, 'open')
      ON CONFLICT (fingerprint) DO UPDATE SET attempts = attempts + 1, last_seen_at = excluded.last_seen_at, transport = excluded.transport,
        headers = excluded.headers, status = 'open', resolved_at = NULL`);
    this.byFingerprint = db.prepare('SELECT * FROM quarantine WHERE fingerprint = ?');
    this.byId = db.prepare('SELECT * FROM quarantine WHERE id = ?');
    this.open = db.prepare("SELECT COUNT(*) AS n FROM quarantine WHERE status = 'open'");
    this.replaysOf = db.prepare('SELECT attempt FROM quarantine_replays WHERE quarantine_id = ? ORDER BY seq');
    this.addReplay = db.prepare('INSERT INTO quarantine_replays (quarantine_id, attempt) VALUES (?, ?)');
    this.resolve = db.prepare("UPDATE quarantine SET status = 'resolved', resolved_at = COALESCE(resolved_at, ?) WHERE id = ?");
    this.counts = db.prepare(`SELECT
        COALESCE(SUM(status = 'open'), 0) AS open,
        COALESCE(SUM(status = 'resolved'), 0) AS resolved,
        COALESCE(SUM(first_seen_at >= @since), 0) AS newSince,
        COALESCE(SUM(resolved_at IS NOT NULL AND resolved_at >= @since), 0) AS resolvedSince
      FROM quarantine`);
  }

  async recordMany(inputs: readonly QuarantineInput[]): Promise<QuarantineEntry[]> {
    try {
      return this.recordInTransaction(inputs);
    } catch (error) {
      // A refusal that cannot be kept must not be answered as if it were: the caller answers 503.
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`the quarantine could not record a refused input: ${reason}`, { cause: error });
    }
  }

  private recordInTransaction(inputs: readonly QuarantineInput[]): QuarantineEntry[] {
    const now = this.clock.now().toISOString();
    return this.db.transaction(() =>
      inputs.map((input) => {
        const fingerprint = fingerprintOf(input);
        this.upsert.run({
          id: this.ids.next('q'),
          fingerprint,
          reason: input.reason,
          message: input.message,
          errors: JSON.stringify(input.errors ?? []),
          raw: input.raw,
          source: input.source ?? null,
          event_id: input.eventId ?? null,
          event_type: input.eventType ?? null,
          transport: JSON.stringify(input.transport),
          headers: input.headers ? JSON.stringify(input.headers) : null,
          now,
        });
        return this.toEntry(this.byFingerprint.get(fingerprint) as QuarantineRow);
      }),
    )();
  }

  async list(filter: QuarantineFilter = {}): Promise<QuarantinePage> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_PAGE_SIZE);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      where.push(sql);
      params.push(value);
    };
    if (filter.source !== undefined) add('source = ?', filter.source);
    if (filter.reason !== undefined) add('reason = ?', filter.reason);
    if (filter.since !== undefined) add('last_seen_at >= ?', filter.since);
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.eventId !== undefined) add('event_id = ?', filter.eventId);
    if (filter.subject !== undefined) {
      // Raw input may not be JSON at all (that can be why it is here): look inside only when it is.
      add("(CASE WHEN json_valid(raw) THEN json_extract(raw, '$.subject.type') END) = ?", filter.subject.type);
      add("(CASE WHEN json_valid(raw) THEN json_extract(raw, '$.subject.id') END) = ?", filter.subject.id);
    }
    if (filter.cursor !== undefined) add('seq < ?', decodeCursor(filter.cursor));
    const sql = `SELECT * FROM quarantine ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, limit + 1) as QuarantineRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map((row) => this.toEntry(row)), nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : undefined };
  }

  async get(id: string): Promise<QuarantineEntry | undefined> {
    const row = this.byId.get(id) as QuarantineRow | undefined;
    return row ? this.toEntry(row) : undefined;
  }

  async countOpen(): Promise<number> {
    return (this.open.get() as { n: number }).n;
  }

  async recordReplay(id: string, attempt: ReplayAttempt): Promise<QuarantineEntry | undefined> {
    return this.db.transaction(() => {
      if (!this.byId.get(id)) return undefined;
      this.addReplay.run(id, JSON.stringify(attempt));
      if (attempt.outcome !== 'rejected') this.resolve.run(attempt.at, id);
      return this.toEntry(this.byId.get(id) as QuarantineRow);
    })();
  }

  async eraseSubject(subject: { readonly type: string; readonly id: string }, erase: (input: Record<string, unknown>) => Record<string, unknown>): Promise<number> {
    const about = (text: string): Record<string, unknown> | undefined => {
      try {
        const value = JSON.parse(text) as unknown;
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
        const named = (value as { subject?: { type?: unknown; id?: unknown } }).subject;
        return named?.type === subject.type && named?.id === subject.id ? (value as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    };
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT id, raw FROM quarantine
            WHERE json_valid(raw) AND json_extract(raw, '$.subject.type') = ? AND json_extract(raw, '$.subject.id') = ?`,
        )
        .all(subject.type, subject.id) as Array<{ id: string; raw: string }>;
      let changed = 0;
      for (const row of rows) {
        const input = about(row.raw);
        if (!input) continue;
        const erased = JSON.stringify(erase(input));
        if (erased !== row.raw) {
          this.db.prepare('UPDATE quarantine SET raw = ? WHERE id = ?').run(erased, row.id);
          changed++;
        }
        for (const replay of this.db.prepare('SELECT seq, attempt FROM quarantine_replays WHERE quarantine_id = ?').all(row.id) as Array<{ seq: number; attempt: string }>) {
          const attempt = JSON.parse(replay.attempt) as ReplayAttempt;
          const corrected = attempt.correctedPayload !== undefined ? about(attempt.correctedPayload) : undefined;
          if (!corrected) continue;
          const rewritten = JSON.stringify({ ...attempt, correctedPayload: JSON.stringify(erase(corrected)) });
          if (rewritten !== replay.attempt) this.db.prepare('UPDATE quarantine_replays SET attempt = ? WHERE seq = ?').run(rewritten, replay.seq);
        }
      }
      return changed;
    })();
  }

  async stats(since: string): Promise<QuarantineStats> {
    return this.counts.get({ since }) as QuarantineStats;
  }

  private toEntry(row: QuarantineRow): QuarantineEntry {
    const replays = (this.replaysOf.all(row.id) as Array<{ attempt: string }>).map((r) => JSON.parse(r.attempt) as ReplayAttempt);
    return toEntry(row, replays);
  }
}

/** Same bytes refused for the same reason are one entry with several attempts. */
function fingerprintOf(input: QuarantineInput): string {
  return createHash('sha256').update(input.reason).update('\n').update(input.raw).digest('hex');
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

function encodeCursor(seq: number): string {
  return Buffer.from(`q:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^q:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError('cursor is not one this API returned');
  return Number(match[1]);
}

function toEntry(row: QuarantineRow, replays: ReplayAttempt[]): QuarantineEntry {
  const entry: Record<string, unknown> = {
    id: row.id,
    reason: row.reason as QuarantineReason,
    message: row.message,
    errors: JSON.parse(row.errors) as FieldError[],
    raw: row.raw,
    transport: JSON.parse(row.transport) as Transport,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    attempts: row.attempts,
    status: row.status as QuarantineStatus,
    replays,
  };
  if (row.headers !== null) entry.headers = JSON.parse(row.headers) as Record<string, string>;
  if (row.resolved_at !== null) entry.resolvedAt = row.resolved_at;
  if (row.source !== null) entry.source = row.source;
  if (row.event_id !== null) entry.eventId = row.event_id;
  if (row.event_type !== null) entry.eventType = row.event_type;
  return entry as unknown as QuarantineEntry;
}
