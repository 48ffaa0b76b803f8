import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { StoreUnavailableError } from '@concord/common';
import { documentQuerySql } from '../document-query';
import { isStorableText, serializeDocument } from '../document-text';
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
  type ReadModelStore,
} from '../read-model-store.port';
import { migratePostgres } from './postgres-migrations';
import { inTransaction } from './postgres-transaction';
import { boundPath, checkedSchema, conditionSql, jsonbAt, PgParams, sortExpressions } from './postgres-sql';

export interface PostgresReadModelStoreOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/test` (CONCORD_POSTGRES_URL). */
  readonly connectionString: string;
  /** Where the tables live (created when missing). Default `concord`. */
  readonly schema?: string;
  /** Connections in the pool. Default 5: one projector commits on one at a time, API queries share the rest. */
  readonly poolSize?: number;
  /**
   * How long the server lets a session sit idle inside a transaction before it ends it. A
   * projector frozen mid-commit (paused VM, SIGSTOP, cut-off network with the socket still
   * open) would otherwise hold its row locks, and with them the lease, for ever. Default 10 s;
   * the hub uses half the lease time.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

interface CheckpointRow {
  name: string;
  version: number;
  position: string;
  state: string;
  last_error: ProjectionFailure | null;
  updated_at: Date;
}

interface LeaseRow {
  name: string;
  owner: string;
  token: string;
  expires_at: Date;
}

/**
 * Read models in PostgreSQL: the same documents, checkpoints and leases as the
 * SQLite adapter, for many API replicas and for BI tools that speak SQL
 * (`SELECT doc #>> '{state,status}' FROM concord.documents WHERE collection = 'entities'`).
 * Documents are jsonb; keys and strings compare in code point order (COLLATE "C"),
 * as in SQLite.
 */
export class PostgresReadModelStore implements ReadModelStore {
  readonly schema: string;
  private readonly t: { documents: string; checkpoints: string; leases: string };
  private readonly pool: Pool;
  private migrated: Promise<void> | undefined;
  private closed = false;

  private constructor(options: PostgresReadModelStoreOptions) {
    this.schema = checkedSchema(options.schema ?? 'concord');
    const quoted = `"${this.schema}"`;
    this.t = { documents: `${quoted}.documents`, checkpoints: `${quoted}.projection_checkpoints`, leases: `${quoted}.projection_leases` };
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: 10_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
      keepAlive: true,
    };
    this.pool = new Pool(config);
    // An idle connection the server drops emits here; without a listener it would end the process.
    // The next query gets a fresh connection or reports the outage itself.
    this.pool.on('error', () => undefined);
  }

  /** Connects and creates the schema or brings it up to date (safe when several instances start at once). */
  static async open(options: PostgresReadModelStoreOptions): Promise<PostgresReadModelStore> {
    const store = new PostgresReadModelStore(options);
    try {
      await store.ready();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Without connecting: the schema is checked on first use (for callers that cannot wait, like the CLI's file opener). */
  static connectLazily(options: PostgresReadModelStoreOptions): PostgresReadModelStore {
    return new PostgresReadModelStore(options);
  }

  /** Migrates once per store; a failed attempt (server down) is tried again on the next call. */
  ready(): Promise<void> {
    this.migrated ??= unavailableOnConnectionError(() => migratePostgres(this.pool, this.schema)).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  async get(collection: string, key: string): Promise<Doc | undefined> {
    if (!isStorableText(key)) return undefined;
    const { rows } = await this.run<{ doc: Doc }>(`SELECT doc FROM ${this.t.documents} WHERE collection = $1 AND key = $2`, [collection, key]);
    return rows[0]?.doc;
  }

  async getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>> {
    const found = new Map<string, Doc>();
    const storable = keys.filter(isStorableText);
    if (storable.length === 0) return found;
    const { rows } = await this.run<{ key: string; doc: Doc }>(
      `SELECT key, doc FROM ${this.t.documents} WHERE collection = $1 AND key = ANY($2::text[])`,
      [collection, storable],
    );
    for (const row of rows) found.set(row.key, row.doc);
    return found;
  }

  async query(collection: string, query: DocumentQuery): Promise<DocumentPage> {
    const params = new PgParams();
    const sql = documentQuerySql(this.t.documents, collection, query, {
      param: (value, type) => params.add(value, type),
      condition: (condition) => conditionSql(condition, params),
      sortKey: (path) => sortExpressions(jsonbAt(path, boundPath(params))),
    });
    const { rows } = await this.run<{ key: string; doc: Doc; sort_value: string | number | null }>(sql, params.values);
    return {
      items: rows.slice(0, query.limit).map((row) => ({ key: row.key, doc: row.doc, sortValue: row.sort_value })),
      hasMore: rows.length > query.limit,
    };
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    const { upserts, deletes } = lastChangePerDocument(commit);
    await this.transaction(async (client) => {
      await this.checkFence(client, commit.name, commit.fence);
      // A row to lock even before the first commit: two first commits must not both see "no checkpoint".
      await client.query(
        `INSERT INTO ${this.t.checkpoints} (name, version, position, state, updated_at) VALUES ($1, $2, 0, 'running', $3) ON CONFLICT (name) DO NOTHING`,
        [commit.name, commit.version, commit.at],
      );
      const { rows } = await client.query<{ position: string }>(`SELECT position FROM ${this.t.checkpoints} WHERE name = $1 FOR UPDATE`, [commit.name]);
      checkExpectedPosition(commit, Number(rows[0]?.position ?? 0));
      if (upserts.collections.length > 0) {
        await client.query(
          `INSERT INTO ${this.t.documents} (collection, key, doc)
           SELECT c, k, d::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS u(c, k, d)
           ON CONFLICT (collection, key) DO UPDATE SET doc = excluded.doc`,
          [upserts.collections, upserts.keys, upserts.docs],
        );
      }
      if (deletes.collections.length > 0) {
        await client.query(
          `DELETE FROM ${this.t.documents} d USING unnest($1::text[], $2::text[]) AS u(c, k) WHERE d.collection = u.c AND d.key = u.k`,
          [deletes.collections, deletes.keys],
        );
      }
      await client.query(
        `UPDATE ${this.t.checkpoints} SET version = $2, position = $3, state = $4, last_error = NULL, updated_at = $5 WHERE name = $1`,
        [commit.name, commit.version, commit.position, commit.state, commit.at],
      );
    });
  }

  async checkpoint(name: string): Promise<ProjectionCheckpoint | undefined> {
    const { rows } = await this.run<CheckpointRow>(`SELECT * FROM ${this.t.checkpoints} WHERE name = $1`, [name]);
    return rows[0] ? toCheckpoint(rows[0]) : undefined;
  }

  async checkpoints(): Promise<ProjectionCheckpoint[]> {
    const { rows } = await this.run<CheckpointRow>(`SELECT * FROM ${this.t.checkpoints} ORDER BY name`);
    return rows.map(toCheckpoint);
  }

  async markState(name: string, version: number, state: ProjectionState, at: string, lastError?: ProjectionFailure, fence?: LeaseFence): Promise<void> {
    const sql = `INSERT INTO ${this.t.checkpoints} (name, version, position, state, last_error, updated_at) VALUES ($1, $2, 0, $3, $4, $5)
                 ON CONFLICT (name) DO UPDATE SET state = excluded.state, last_error = excluded.last_error, updated_at = excluded.updated_at`;
    const values = [name, version, state, lastError ? JSON.stringify(lastError) : null, at];
    if (!fence) {
      await this.run(sql, values);
      return;
    }
    await this.transaction(async (client) => {
      await this.checkFence(client, name, fence);
      await client.query(sql, values);
    });
  }

  async reset(name: string, version: number, collections: readonly string[], at: string, fence?: LeaseFence): Promise<void> {
    await this.transaction(async (client) => {
      await this.checkFence(client, name, fence);
      // The checkpoint first: its row lock orders this reset against a commit in flight.
      await client.query(
        `INSERT INTO ${this.t.checkpoints} (name, version, position, state, last_error, updated_at) VALUES ($1, $2, 0, 'rebuilding', NULL, $3)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = 0, state = 'rebuilding', last_error = NULL, updated_at = excluded.updated_at`,
        [name, version, at],
      );
      await client.query(`DELETE FROM ${this.t.documents} WHERE collection = ANY($1::text[])`, [collections]);
    });
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAttempt> {
    const expiresAt = leaseExpiry(request.at, request.ttlMs);
    // One statement: taking a free or lapsed lease and renewing one's own are atomic against every other projector.
    const { rows } = await this.run<LeaseRow>(
      `INSERT INTO ${this.t.leases} AS l (name, owner, token, expires_at, updated_at) VALUES ($1, $2, 1, $3, $4)
       ON CONFLICT (name) DO UPDATE SET
         owner = excluded.owner,
         token = CASE WHEN l.owner = excluded.owner AND l.expires_at > $4 THEN l.token ELSE l.token + 1 END,
         expires_at = excluded.expires_at,
         updated_at = excluded.updated_at
       WHERE l.owner = excluded.owner OR l.expires_at <= $4
       RETURNING name, owner, token, expires_at`,
      [request.name, request.owner, expiresAt, request.at],
    );
    if (rows[0]) return { acquired: true, lease: toLease(rows[0]) };
    const holder = await this.lease(request.name);
    if (!holder) return this.acquireLease(request); // released in between: try again
    return { acquired: false, holder };
  }

  async renewLease(name: string, fence: LeaseFence, at: string, ttlMs: number): Promise<ProjectionLease | undefined> {
    const { rows } = await this.run<LeaseRow>(
      `UPDATE ${this.t.leases} SET expires_at = $4, updated_at = $5 WHERE name = $1 AND owner = $2 AND token = $3 RETURNING name, owner, token, expires_at`,
      [name, fence.owner, fence.token, leaseExpiry(at, ttlMs), at],
    );
    return rows[0] ? toLease(rows[0]) : undefined;
  }

  async releaseLease(name: string, fence: LeaseFence, at: string): Promise<void> {
    // Expired, not deleted: the token must keep growing, or a stale holder's token could become valid again.
    await this.run(`UPDATE ${this.t.leases} SET expires_at = 'epoch', updated_at = $4 WHERE name = $1 AND owner = $2 AND token = $3`, [
      name,
      fence.owner,
      fence.token,
      at,
    ]);
  }

  async lease(name: string): Promise<ProjectionLease | undefined> {
    const { rows } = await this.run<LeaseRow>(`SELECT name, owner, token, expires_at FROM ${this.t.leases} WHERE name = $1`, [name]);
    return rows[0] ? toLease(rows[0]) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Inside the caller's transaction; FOR SHARE holds off a takeover until this write is done. */
  private async checkFence(client: PoolClient, name: string, fence: LeaseFence | undefined): Promise<void> {
    if (!fence) return;
    const { rows } = await client.query<LeaseRow>(`SELECT name, owner, token, expires_at FROM ${this.t.leases} WHERE name = $1 FOR SHARE`, [name]);
    checkFence(name, fence, rows[0] ? toLease(rows[0]) : undefined);
  }

  private async run<R extends QueryResultRow>(sql: string, values: unknown[] = []) {
    await this.ready();
    return unavailableOnConnectionError(() => this.pool.query<R>(sql, values));
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    await this.ready();
    await unavailableOnConnectionError(() => inTransaction(this.pool, work));
  }
}

/** The last change per document wins, as when applied one by one; one statement may touch a row only once. */
function lastChangePerDocument(commit: ProjectionCommit) {
  const last = new Map<string, { collection: string; key: string; json: string | undefined }>();
  for (const change of commit.changes) {
    const json = change.doc === undefined ? undefined : serializeDocument(change.collection, change.key, change.doc);
    const id = `${change.collection}\u0000${change.key}`;
    last.delete(id);
    last.set(id, { collection: change.collection, key: change.key, json });
  }
  const upserts = { collections: [] as string[], keys: [] as string[], docs: [] as string[] };
  const deletes = { collections: [] as string[], keys: [] as string[] };
  for (const change of last.values()) {
    if (change.json === undefined) {
      deletes.collections.push(change.collection);
      deletes.keys.push(change.key);
    } else {
      upserts.collections.push(change.collection);
      upserts.keys.push(change.key);
      upserts.docs.push(change.json);
    }
  }
  return { upserts, deletes };
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '25P03']);

/** Connection trouble is an outage (503, retry later), not a bug in the caller's request. */
async function unavailableOnConnectionError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const connection =
      (typeof code === 'string' && (CONNECTION_ERRORS.has(code) || code.startsWith('08'))) ||
      /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message);
    if (connection) throw new StoreUnavailableError(`read-model store (PostgreSQL) unavailable: ${message}`, { cause: error });
    throw error;
  }
}

function toCheckpoint(row: CheckpointRow): ProjectionCheckpoint {
  return {
    name: row.name,
    version: row.version,
    position: Number(row.position),
    state: row.state as ProjectionState,
    ...(row.last_error ? { lastError: row.last_error } : {}),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toLease(row: LeaseRow): ProjectionLease {
  return { name: row.name, owner: row.owner, token: Number(row.token), expiresAt: row.expires_at.toISOString() };
}
