import { migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import { KeyHashTakenError, type ApiKeyRecord, type ApiKeyStore, type NewApiKeyRecord } from '../api-key-store.port';
import type { Role } from '../roles';

const MIGRATIONS = [
  {
    version: 1,
    description: 'API keys, stored as SHA-256 hashes',
    sql: `
      CREATE TABLE api_keys (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        key_hash   TEXT NOT NULL UNIQUE,
        name       TEXT,
        role       TEXT NOT NULL CHECK (role IN ('connector', 'analyst', 'auditor', 'admin')),
        sources    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
    `,
  },
];

/** Unknown keys are cached too (repeated bad keys stay cheap); the cap keeps made-up keys from growing memory. */
const MAX_CACHED_LOOKUPS = 10_000;

interface KeyRow {
  id: string;
  name: string | null;
  role: string;
  sources: string;
  created_at: string;
  revoked_at: string | null;
}

/**
 * API keys in their own SQLite file (`access.db` in the data directory), apart
 * from the event log, so the log can be copied for an auditor without credentials.
 */
export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly statements;
  /**
   * Lookups by hash run on every request, so answers are cached until the file
   * changes: `PRAGMA data_version` moves when another connection (the CLI)
   * writes, and this connection's own writes clear the cache. A revocation
   * therefore still applies to the very next request.
   */
  private readonly byHashCache = new Map<string, ApiKeyRecord | null>();
  private cachedVersion = -1;

  constructor(private readonly db: SqliteDatabase) {
    migrate(db, 'access', MIGRATIONS);
    this.statements = {
      insert: db.prepare(
        'INSERT INTO api_keys (id, key_hash, name, role, sources, created_at) VALUES (@id, @keyHash, @name, @role, @sources, @createdAt)',
      ),
      byHash: db.prepare('SELECT id, name, role, sources, created_at, revoked_at FROM api_keys WHERE key_hash = ?'),
      byId: db.prepare('SELECT id, name, role, sources, created_at, revoked_at FROM api_keys WHERE id = ?'),
      all: db.prepare('SELECT id, name, role, sources, created_at, revoked_at FROM api_keys ORDER BY seq'),
      revoke: db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?'),
      active: db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE role = ? AND revoked_at IS NULL'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  static open(file: string): SqliteApiKeyStore {
    return new SqliteApiKeyStore(openDatabase(file));
  }

  async insert(record: NewApiKeyRecord): Promise<ApiKeyRecord> {
    try {
      this.byHashCache.clear();
      this.statements.insert.run({ ...record, name: record.name ?? null, sources: JSON.stringify(record.sources) });
    } catch (error) {
      // Not `instanceof Error`: the native module's errors may come from another realm (jest).
      if (/UNIQUE constraint failed: api_keys\.key_hash/.test(String(error))) {
        throw new KeyHashTakenError('a key with this value exists already');
      }
      throw error;
    }
    return (await this.get(record.id))!;
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const version = this.statements.dataVersion.get() as number;
    if (version !== this.cachedVersion || this.byHashCache.size >= MAX_CACHED_LOOKUPS) {
      this.byHashCache.clear();
      this.cachedVersion = version;
    }
    const cached = this.byHashCache.get(keyHash);
    if (cached !== undefined) return cached ?? undefined;
    const record = toRecord(this.statements.byHash.get(keyHash) as KeyRow | undefined);
    this.byHashCache.set(keyHash, record ?? null);
    return record;
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return toRecord(this.statements.byId.get(id) as KeyRow | undefined);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (this.statements.all.all() as KeyRow[]).map((row) => toRecord(row)!);
  }

  async revoke(id: string, at: string): Promise<ApiKeyRecord | undefined> {
    this.byHashCache.clear();
    this.statements.revoke.run(at, id);
    return this.get(id);
  }

  async countActive(role: Role): Promise<number> {
    return (this.statements.active.get(role) as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toRecord(row: KeyRow | undefined): ApiKeyRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    ...(row.name !== null ? { name: row.name } : {}),
    role: row.role as Role,
    sources: JSON.parse(row.sources) as string[],
    createdAt: row.created_at,
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
  };
}
