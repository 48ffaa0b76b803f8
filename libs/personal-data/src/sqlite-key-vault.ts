import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import type { SubjectRef } from '@concord/contracts';
import { migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import type { Erasure, ForgetOutcome, KeyVault, WritingKey } from './key-vault.port';
import { dataKey, type DataKey } from './personal-fields';

const MIGRATIONS = [
  {
    version: 1,
    description: 'per-subject data keys (crypto-shredding)',
    sql: `
      CREATE TABLE subject_keys (
        subject_type TEXT    NOT NULL,
        subject_id   TEXT    NOT NULL,
        generation   INTEGER NOT NULL,
        material     BLOB,
        created_at   TEXT    NOT NULL,
        forgotten_at TEXT,
        forgotten_by TEXT,
        erasure      INTEGER,
        PRIMARY KEY (subject_type, subject_id, generation),
        CHECK ((material IS NULL) = (forgotten_at IS NOT NULL))
      ) STRICT;
    `,
  },
];

interface KeyRow {
  generation: number;
  material: Buffer | null;
}

interface ErasureRow {
  erasure: number;
  at: string;
  by: string;
  generations: number;
}

export interface SqliteKeyVaultOptions {
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Where new key material comes from; default the OS CSPRNG (a deterministic source is for simulations only). */
  readonly newKeyMaterial?: () => Buffer;
  /** When the key was created (stored for operators, never used for decisions). */
  readonly now?: () => Date;
  /** How many subjects' keys each in-memory cache holds (writing, reading); the oldest are dropped first. Default 50,000. */
  readonly cachedKeys?: number;
}

/**
 * The key vault in its own SQLite file (`keys.db`), never in the event log's:
 * copies of the log (backups, exports, audit bundles) must not carry the keys.
 * Destroyed keys are overwritten on disk (`secure_delete`) and the WAL is
 * truncated after each erasure, so the bytes do not linger in the file.
 *
 * Reads are served from a cache of derived keys. Another process (a second hub
 * reading the same directory, the CLI) may destroy a key at any time: SQLite's
 * `data_version` changes when another connection commits, and the cache is
 * dropped then, so no process keeps opening a forgotten subject's fields.
 */
export class SqliteKeyVault implements KeyVault {
  private readonly cache = new Map<string, DataKey | null>();
  private readonly current = new Map<string, DataKey>();
  private seenVersion: number;
  private changes = 0;
  private readonly newKeyMaterial: () => Buffer;
  private readonly now: () => Date;
  private readonly cachedKeys: number;
  private readonly selectKey;
  private readonly selectCurrent;
  private readonly insertKey;
  private readonly selectErasure;

  private constructor(
    private readonly db: SqliteDatabase,
    options: SqliteKeyVaultOptions,
  ) {
    db.pragma('secure_delete = ON');
    migrate(db, 'key-vault', MIGRATIONS);
    this.newKeyMaterial = options.newKeyMaterial ?? (() => randomBytes(32));
    this.now = options.now ?? (() => new Date());
    this.cachedKeys = options.cachedKeys ?? 50_000;
    this.selectKey = db.prepare('SELECT generation, material FROM subject_keys WHERE subject_type = ? AND subject_id = ? AND generation = ?');
    this.selectCurrent = db.prepare(
      `SELECT generation, material FROM subject_keys WHERE subject_type = ? AND subject_id = ? ORDER BY generation DESC LIMIT 1`,
    );
    this.insertKey = db.prepare('INSERT INTO subject_keys (subject_type, subject_id, generation, material, created_at) VALUES (?, ?, ?, ?, ?)');
    this.selectErasure = db.prepare(
      `SELECT erasure, forgotten_at AS "at", forgotten_by AS "by", COUNT(*) AS generations FROM subject_keys
        WHERE subject_type = ? AND subject_id = ? AND erasure IS NOT NULL
        GROUP BY erasure ORDER BY erasure DESC LIMIT 1`,
    );
    this.seenVersion = this.dataVersion();
  }

  static open(file: string, options: SqliteKeyVaultOptions = {}): SqliteKeyVault {
    const db = openDatabase(file, { synchronous: options.synchronous ?? 'FULL' });
    // Key material: readable by the hub's user only.
    if (file !== ':memory:') chmodSync(file, 0o600);
    return new SqliteKeyVault(db, options);
  }

  async keysForWriting(subjects: readonly SubjectRef[]): Promise<WritingKey[]> {
    this.dropCacheIfChangedElsewhere();
    const missing = new Map<string, SubjectRef>();
    for (const subject of subjects) {
      const id = idOf(subject);
      if (!this.current.has(id)) missing.set(id, subject);
    }
    if (missing.size > 0) {
      // One transaction (one fsync) for every new key of the batch, committed before any event is sealed with it.
      // IMMEDIATE: it reads, then writes; begun as a reader it would be refused outright (SQLITE_BUSY_SNAPSHOT)
      // if another process (a second ingest on this data directory) committed in between, instead of waiting.
      this.db.transaction(() => {
        for (const [id, subject] of missing) {
          const row = this.selectCurrent.get(subject.type, subject.id) as KeyRow | undefined;
          if (row?.material) {
            remember(this.current, id, dataKey(row.generation, row.material), this.cachedKeys);
            continue;
          }
          const generation = (row?.generation ?? 0) + 1;
          const material = this.newKeyMaterial();
          this.insertKey.run(subject.type, subject.id, generation, material, this.now().toISOString());
          remember(this.current, id, dataKey(generation, material), this.cachedKeys);
        }
      }).immediate();
      this.seenVersion = this.dataVersion();
    }
    // Looked up before any eviction a long batch could cause: the keys were all present or created above.
    const keys = subjects.map((subject) => this.current.get(idOf(subject)) ?? this.currentFromFile(subject));
    return subjects.map((subject, i) => ({ subject, key: keys[i]!, forgottenBefore: keys[i]!.generation > 1 }));
  }

  readKey(subject: SubjectRef, generation: number): DataKey | undefined {
    this.dropCacheIfChangedElsewhere();
    const id = `${idOf(subject)}\u0000${generation}`;
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.selectKey.get(subject.type, subject.id, generation) as KeyRow | undefined;
    const key = row?.material ? dataKey(generation, row.material) : null;
    remember(this.cache, id, key, this.cachedKeys);
    return key ?? undefined;
  }

  async forget(subject: SubjectRef, at: string, by: string): Promise<ForgetOutcome> {
    const outcome = this.db.transaction((): ForgetOutcome => {
      const live = this.db
        .prepare('SELECT COUNT(*) AS n FROM subject_keys WHERE subject_type = ? AND subject_id = ? AND material IS NOT NULL')
        .get(subject.type, subject.id) as { n: number };
      const last = this.selectErasure.get(subject.type, subject.id) as ErasureRow | undefined;
      if (live.n === 0) return last ? { status: 'already-forgotten', ...last } : { status: 'unknown' };
      const erasure = (last?.erasure ?? 0) + 1;
      this.db
        .prepare(
          `UPDATE subject_keys SET material = NULL, forgotten_at = ?, forgotten_by = ?, erasure = ?
            WHERE subject_type = ? AND subject_id = ? AND material IS NOT NULL`,
        )
        .run(at, by, erasure, subject.type, subject.id);
      return { status: 'forgotten', erasure, at, by, generations: live.n };
    }).immediate(); // reads, then writes: see keysForWriting
    if (outcome.status === 'forgotten') {
      // secure_delete zeroed the pages; the WAL still holds the old ones until it is checkpointed and truncated.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.cache.clear();
      this.current.delete(idOf(subject));
      this.changes++;
    }
    return outcome;
  }

  revision(): number {
    this.dropCacheIfChangedElsewhere();
    return this.changes;
  }

  async lastErasure(subject: SubjectRef): Promise<Erasure | undefined> {
    return (this.selectErasure.get(subject.type, subject.id) as ErasureRow | undefined) ?? undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** A batch with more new subjects than the cache holds: the evicted ones are read back (they were committed above). */
  private currentFromFile(subject: SubjectRef): DataKey {
    const row = this.selectCurrent.get(subject.type, subject.id) as KeyRow | undefined;
    if (!row?.material) throw new Error(`the key of ${idOf(subject)} vanished while a batch was being sealed`);
    return dataKey(row.generation, row.material);
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** `data_version` moves only when another connection committed to the file (a forget elsewhere). */
  private dropCacheIfChangedElsewhere(): void {
    const version = this.dataVersion();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.cache.clear();
    this.current.clear();
    this.changes++;
  }
}

/** Bounded cache: memory stays flat however many subjects pass; the oldest entry goes first. */
function remember<V>(cache: Map<string, V>, id: string, value: V, limit: number): void {
  cache.set(id, value);
  if (cache.size > limit) cache.delete(cache.keys().next().value!);
}

function idOf(subject: SubjectRef): string {
  return `${subject.type}/${subject.id}`;
}
