import { migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import { sqliteJsonPath } from '../document-path';
import type { Doc } from '../projection';
import {
  CheckpointConflictError,
  type DocumentPage,
  type DocumentQuery,
  type ProjectionCheckpoint,
  type ProjectionCommit,
  type ProjectionFailure,
  type ProjectionState,
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
];

interface CheckpointRow {
  name: string;
  version: number;
  position: number;
  state: string;
  last_error: string | null;
  updated_at: string;
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
    };
  }

  static open(file: string, options: { synchronous?: 'FULL' | 'NORMAL' | 'OFF' } = {}): SqliteReadModelStore {
    return new SqliteReadModelStore(openDatabase(file, { synchronous: options.synchronous ?? 'NORMAL' }));
  }

  async get(collection: string, key: string): Promise<Doc | undefined> {
    const row = this.statements.get.get(collection, key) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>> {
    const found = new Map<string, Doc>();
    if (keys.length === 0) return found;
    const rows = this.statements.getMany.all(collection, JSON.stringify(keys)) as Array<{ key: string; doc: string }>;
    for (const row of rows) found.set(row.key, JSON.parse(row.doc) as Doc);
    return found;
  }

  async query(collection: string, query: DocumentQuery): Promise<DocumentPage> {
    const where = ['collection = ?'];
    const params: unknown[] = [collection];
    if (query.keyPrefix) {
      // A range, not LIKE: the index on (collection, key) serves it and no character in the prefix is special.
      where.push('key >= ? AND key < ?');
      params.push(query.keyPrefix, `${query.keyPrefix}\uffff`);
    }
    for (const condition of query.where ?? []) {
      const path = sqliteJsonPath(condition.path);
      if (condition.op === 'exists') {
        where.push('json_type(doc, ?) IS NOT NULL');
        params.push(path);
      } else {
        const op = condition.op === 'eq' ? '=' : condition.op === 'gte' ? '>=' : '<=';
        where.push(`json_extract(doc, ?) ${op} ?`);
        params.push(path, typeof condition.value === 'boolean' ? Number(condition.value) : condition.value);
      }
    }
    const order = query.orderBy ?? { path: '', direction: 'asc' as const };
    const sortExpr = order.path === '' ? 'key' : "COALESCE(json_extract(doc, ?), '')";
    const sortParams = order.path === '' ? [] : [sqliteJsonPath(order.path)];
    const dir = order.direction === 'desc' ? 'DESC' : 'ASC';
    const cmp = order.direction === 'desc' ? '<' : '>';
    if (query.after) {
      if (order.path === '') {
        where.push(`key ${cmp} ?`);
        params.push(query.after.key);
      } else {
        where.push(`(${sortExpr} ${cmp} ? OR (${sortExpr} = ? AND key ${cmp} ?))`);
        params.push(...sortParams, query.after.value ?? '', ...sortParams, query.after.value ?? '', query.after.key);
      }
    }
    const sql = `SELECT key, doc, ${sortExpr} AS sort_value FROM documents WHERE ${where.join(' AND ')} ORDER BY ${sortExpr} ${dir}, key ${dir} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...sortParams, ...params, ...sortParams, query.limit + 1) as Array<{
      key: string;
      doc: string;
      sort_value: string | number | null;
    }>;
    return {
      items: rows.slice(0, query.limit).map((row) => ({ key: row.key, doc: JSON.parse(row.doc) as Doc, sortValue: row.sort_value })),
      hasMore: rows.length > query.limit,
    };
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    this.db.transaction(() => {
      const current = this.statements.checkpoint.get(commit.name) as CheckpointRow | undefined;
      if ((current?.position ?? 0) !== commit.expectedPosition) {
        throw new CheckpointConflictError(
          `projection ${commit.name} is at position ${current?.position ?? 0}, this commit expected ${commit.expectedPosition}`,
        );
      }
      for (const change of commit.changes) {
        if (change.doc === undefined) this.statements.remove.run(change.collection, change.key);
        else this.statements.upsert.run(change.collection, change.key, JSON.stringify(change.doc));
      }
      this.statements.saveCheckpoint.run({
        name: commit.name,
        version: commit.version,
        position: commit.position,
        state: commit.state,
        last_error: null,
        updated_at: commit.at,
      });
    })();
  }

  async checkpoint(name: string): Promise<ProjectionCheckpoint | undefined> {
    const row = this.statements.checkpoint.get(name) as CheckpointRow | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async checkpoints(): Promise<ProjectionCheckpoint[]> {
    return (this.statements.checkpoints.all() as CheckpointRow[]).map(toCheckpoint);
  }

  async markState(name: string, version: number, state: ProjectionState, at: string, lastError?: ProjectionFailure): Promise<void> {
    this.statements.markState.run({ name, version, state, last_error: lastError ? JSON.stringify(lastError) : null, updated_at: at });
  }

  async reset(name: string, version: number, collections: readonly string[], at: string): Promise<void> {
    this.db.transaction(() => {
      for (const collection of collections) this.statements.removeCollection.run(collection);
      this.statements.saveCheckpoint.run({ name, version, position: 0, state: 'rebuilding', last_error: null, updated_at: at });
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
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
