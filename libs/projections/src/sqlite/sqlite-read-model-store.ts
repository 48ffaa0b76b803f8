import { StoreUnavailableError } from '@concord/common';
import { isWriteOutage, migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import { sqliteJsonPath } from '../document-path';
import { documentQuerySql } from '../document-query';
import { checkQueryText, isStorableText, serializeDocument } from '../document-text';
import type { Doc } from '../projection';
import {
  checkFence,
  leaseExpiry,
  type LeaseAttempt,
  type LeaseFence,
  type LeaseRequest,
  type ProjectionLease,
} from '../projection-lease.port';
import {
  checkExpectedPosition,
  type DocumentPage,
  type DocumentQuery,
  type ProjectionCheckpoint,
  type ProjectionCommit,
  type ProjectionFailure,
  type ProjectionState,
  type QueryCondition,
  type ReadModelStore,
} from '../read-model-store.port';

const MIGRATIONS = [
  {
    version: 1,
    description: 'documents and projection checkpoints',
    sql: `
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        key        TEXT NOT NULL,
        doc        TEXT NOT NULL,
        PRIMARY KEY (collection, key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE projection_checkpoints (
        name       TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        state      TEXT NOT NULL,
        last_error TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'projection leases (one active projector per projection)',
    sql: `
      CREATE TABLE projection_leases (
        name       TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        token      INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, -- ms since the epoch, on the projectors' clocks
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'documents in a rowid table',
    // WITHOUT ROWID keeps whole rows in the primary-key b-tree, which SQLite recommends only for
    // small rows; entity documents are about 1 KiB, and measured here an upsert cost 21-30 CPU µs
    // against 6 in a rowid table (and left a file three times larger).
    sql: `
      CREATE TABLE documents_v3 (
        collection TEXT NOT NULL,
        key        TEXT NOT NULL,
        doc        TEXT NOT NULL,
        PRIMARY KEY (collection, key)
      ) STRICT;
      INSERT INTO documents_v3 (collection, key, doc) SELECT collection, key, doc FROM documents;
      DROP TABLE documents;
      ALTER TABLE documents_v3 RENAME TO documents;
    `,
  },
];

/**
 * When a commit copies the WAL back into the file (SQLite's default is 1,000 pages). A live batch
 * rewrites documents spread over the whole file, so one projection commit alone often passed
 * 1,000 pages and every commit paid a checkpoint, with its fsyncs, on the projections' (main)
 * thread. With 16,384 (a WAL of up to 64 MiB) a checkpoint comes every few dozen commits and copies
 * each page once however often it changed meanwhile: measured here (bench:live-projections --live),
 * the commits blocked the thread about half as long. Durability is unchanged (same synchronous level).
 */
export const READ_MODEL_WAL_CHECKPOINT_PAGES = 16_384;

interface CheckpointRow {
  name: string;
  version: number;
  position: number;
  state: string;
  last_error: string | null;
  updated_at: string;
}

interface LeaseRow {
  name: string;
  owner: string;
  token: number;
  expires_at: number;
}

/** Named parameters for a statement built piece by piece. */
class Params {
  readonly values: Record<string, unknown> = {};
  private count = 0;

  add(value: unknown): string {
    const name = `p${this.count++}`;
    this.values[name] = value;
    return `@${name}`;
  }
}

/** Read models in their own SQLite file, apart from the event log: they can always be thrown away and rebuilt. */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly statements;

  private constructor(readonly db: SqliteDatabase) {
    migrate(db, 'read-models', MIGRATIONS);
    this.statements = {
      get: db.prepare('SELECT doc FROM documents WHERE collection = ? AND key = ?'),
      getMany: db.prepare('SELECT key, doc FROM documents WHERE collection = ? AND key IN (SELECT value FROM json_each(?))'),
      upsert: db.prepare('INSERT INTO documents (collection, key, doc) VALUES (?, ?, ?) ON CONFLICT (collection, key) DO UPDATE SET doc = excluded.doc'),
      remove: db.prepare('DELETE FROM documents WHERE collection = ? AND key = ?'),
      removeCollection: db.prepare('DELETE FROM documents WHERE collection = ?'),
      checkpoint: db.prepare('SELECT * FROM projection_checkpoints WHERE name = ?'),
      checkpoints: db.prepare('SELECT * FROM projection_checkpoints ORDER BY name'),
      saveCheckpoint: db.prepare(
        `INSERT INTO projection_checkpoints (name, version, position, state, last_error, updated_at) VALUES (@name, @version, @position, @state, @last_error, @updated_at)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = excluded.position, state = excluded.state, last_error = excluded.last_error, updated_at = excluded.updated_at`,
      ),
      markState: db.prepare(
        `INSERT INTO projection_checkpoints (name, version, position, state, last_error, updated_at) VALUES (@name, @version, 0, @state, @last_error, @updated_at)
         ON CONFLICT (name) DO UPDATE SET state = excluded.state, last_error = excluded.last_error, updated_at = excluded.updated_at`,
      ),
      lease: db.prepare('SELECT name, owner, token, expires_at FROM projection_leases WHERE name = ?'),
      saveLease: db.prepare(
        `INSERT INTO projection_leases (name, owner, token, expires_at, updated_at) VALUES (@name, @owner, @token, @expires_at, @updated_at)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
      ),
      extendLease: db.prepare('UPDATE projection_leases SET expires_at = ?, updated_at = ? WHERE name = ? AND owner = ? AND token = ?'),
    };
  }

  static open(file: string, options: { synchronous?: 'FULL' | 'NORMAL' | 'OFF'; walCheckpointPages?: number } = {}): SqliteReadModelStore {
    const db = openDatabase(file, { synchronous: options.synchronous ?? 'NORMAL' });
    db.pragma(`wal_autocheckpoint = ${options.walCheckpointPages ?? READ_MODEL_WAL_CHECKPOINT_PAGES}`);
    return new SqliteReadModelStore(db);
  }

  async get(collection: string, key: string): Promise<Doc | undefined> {
    if (!isStorableText(key)) return undefined;
    const row = this.statements.get.get(collection, key) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>> {
    const found = new Map<string, Doc>();
    const storable = keys.filter(isStorableText);
    if (storable.length === 0) return found;
    const rows = this.statements.getMany.all(collection, JSON.stringify(storable)) as Array<{ key: string; doc: string }>;
    for (const row of rows) found.set(row.key, JSON.parse(row.doc) as Doc);
    return found;
  }

  async query(collection: string, query: DocumentQuery): Promise<DocumentPage> {
    const params = new Params();
    const sql = documentQuerySql('documents', collection, query, {
      param: (value) => params.add(value),
      condition: (condition) => conditionSql(condition, params),
      sortKey: (path) => sortExpressions(params.add(sqliteJsonPath(path))),
    });
    const rows = this.db.prepare(sql).all(params.values) as Array<{ key: string; doc: string; sort_value: string | number | null }>;
    return {
      items: rows.slice(0, query.limit).map((row) => ({ key: row.key, doc: JSON.parse(row.doc) as Doc, sortValue: row.sort_value })),
      hasMore: rows.length > query.limit,
    };
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    // Serialized (and so checked) before the transaction: a document no store can hold refuses the whole commit.
    const changes = commit.changes.map((change) => ({
      ...change,
      json: change.doc === undefined ? undefined : serializeDocument(change.collection, change.key, change.doc),
    }));
    this.whileWritable(() =>
      this.db
        .transaction(() => {
          this.checkFence(commit.name, commit.fence);
          const current = this.statements.checkpoint.get(commit.name) as CheckpointRow | undefined;
          checkExpectedPosition(commit, current?.position ?? 0);
          for (const change of changes) {
            if (change.json === undefined) this.statements.remove.run(change.collection, change.key);
            else this.statements.upsert.run(change.collection, change.key, change.json);
          }
          this.statements.saveCheckpoint.run({
            name: commit.name,
            version: commit.version,
            position: commit.position,
            state: commit.state,
            last_error: null,
            updated_at: commit.at,
          });
        })
        .immediate(),
    );
  }

  async checkpoint(name: string): Promise<ProjectionCheckpoint | undefined> {
    const row = this.statements.checkpoint.get(name) as CheckpointRow | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async checkpoints(): Promise<ProjectionCheckpoint[]> {
    return (this.statements.checkpoints.all() as CheckpointRow[]).map(toCheckpoint);
  }

  async markState(name: string, version: number, state: ProjectionState, at: string, lastError?: ProjectionFailure, fence?: LeaseFence): Promise<void> {
    this.whileWritable(() =>
      this.db
        .transaction(() => {
          this.checkFence(name, fence);
          this.statements.markState.run({ name, version, state, last_error: lastError ? JSON.stringify(lastError) : null, updated_at: at });
        })
        .immediate(),
    );
  }

  async reset(name: string, version: number, collections: readonly string[], at: string, fence?: LeaseFence): Promise<void> {
    this.whileWritable(() =>
      this.db
        .transaction(() => {
          this.checkFence(name, fence);
          for (const collection of collections) this.statements.removeCollection.run(collection);
          this.statements.saveCheckpoint.run({ name, version, position: 0, state: 'rebuilding', last_error: null, updated_at: at });
        })
        .immediate(),
    );
  }

  /**
   * A write the file cannot take right now (disk full, I/O error) is an outage, not a verdict on the
   * projection: the runner retries it from its checkpoint and reports why meanwhile, and resumes by
   * itself once the file takes writes again.
   */
  private whileWritable(write: () => void): void {
    try {
      write();
    } catch (error) {
      if (isWriteOutage(error)) throw new StoreUnavailableError(`the read-model store cannot write: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAttempt> {
    const expiresAt = Date.parse(leaseExpiry(request.at, request.ttlMs));
    const now = Date.parse(request.at);
    return this.db
      .transaction((): LeaseAttempt => {
        const row = this.statements.lease.get(request.name) as LeaseRow | undefined;
        const live = row !== undefined && row.expires_at > now;
        if (row && live && row.owner !== request.owner) return { acquired: false, holder: toLease(row) };
        const token = !row ? 1 : live ? row.token : row.token + 1;
        const next = { name: request.name, owner: request.owner, token, expires_at: expiresAt };
        this.statements.saveLease.run({ ...next, updated_at: request.at });
        return { acquired: true, lease: toLease(next) };
      })
      .immediate();
  }

  async renewLease(name: string, fence: LeaseFence, at: string, ttlMs: number): Promise<ProjectionLease | undefined> {
    const expiresAt = Date.parse(leaseExpiry(at, ttlMs));
    const changed = this.statements.extendLease.run(expiresAt, at, name, fence.owner, fence.token).changes;
    return changed === 1 ? toLease({ name, owner: fence.owner, token: fence.token, expires_at: expiresAt }) : undefined;
  }

  async releaseLease(name: string, fence: LeaseFence, at: string): Promise<void> {
    // Expired, not deleted: the token must keep growing, or a stale holder's token could become valid again.
    this.statements.extendLease.run(0, at, name, fence.owner, fence.token);
  }

  async lease(name: string): Promise<ProjectionLease | undefined> {
    const row = this.statements.lease.get(name) as LeaseRow | undefined;
    return row ? toLease(row) : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Inside the caller's transaction. */
  private checkFence(name: string, fence: LeaseFence | undefined): void {
    if (fence) checkFence(name, fence, this.statements.lease.get(name) as LeaseRow | undefined);
  }
}

/** JSON type tests keep comparisons typed (see document-query.ts): SQLite alone would compare 1 with true and '5' with 5. */
function conditionSql(condition: QueryCondition, params: Params): string {
  const path = params.add(sqliteJsonPath(condition.path));
  if (condition.op === 'exists') return `json_type(doc, ${path}) IS NOT NULL`;
  const value = condition.value;
  if (typeof value === 'boolean') {
    // Only eq takes booleans (the port's types); a JSON boolean's type is its value.
    return `json_type(doc, ${path}) = ${params.add(value ? 'true' : 'false')}`;
  }
  const types = typeof value === 'number' ? `IN ('integer', 'real')` : `= 'text'`;
  const op = condition.op === 'eq' ? '=' : condition.op === 'gte' ? '>=' : '<=';
  const operand = typeof value === 'string' ? checkQueryText(value, `value for ${condition.path}`) : value;
  return `(json_type(doc, ${path}) ${types} AND json_extract(doc, ${path}) ${op} ${params.add(operand)})`;
}

/** The three-part sort key of document-query.ts, null-free so that row-value comparisons stay total. */
function sortExpressions(path: string): { rank: string; num: string; text: string; sortValue: string } {
  const type = `json_type(doc, ${path})`;
  const value = `json_extract(doc, ${path})`;
  return {
    rank: `(CASE ${type} WHEN 'integer' THEN 0 WHEN 'real' THEN 0 WHEN 'text' THEN 1 ELSE 2 END)`,
    num: `(CASE WHEN ${type} IN ('integer', 'real') THEN ${value} ELSE 0 END)`,
    text: `(CASE WHEN ${type} = 'text' THEN ${value} ELSE '' END)`,
    sortValue: `(CASE WHEN ${type} IN ('integer', 'real', 'text') THEN ${value} END)`,
  };
}

function toCheckpoint(row: CheckpointRow): ProjectionCheckpoint {
  return {
    name: row.name,
    version: row.version,
    position: row.position,
    state: row.state as ProjectionState,
    ...(row.last_error ? { lastError: JSON.parse(row.last_error) as ProjectionFailure } : {}),
    updatedAt: row.updated_at,
  };
}

function toLease(row: LeaseRow): ProjectionLease {
  return { name: row.name, owner: row.owner, token: row.token, expiresAt: new Date(row.expires_at).toISOString() };
}
