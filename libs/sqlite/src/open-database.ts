import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** `FULL` (default) fsyncs the WAL on every commit: an acknowledged write survives power loss. */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  readonly?: boolean;
}

/**
 * Opens a SQLite file the way every Concord store expects it: WAL (readers never
 * block the writer), FULL durability by default, foreign keys on, and a busy
 * timeout so a second process (CLI, verifier) waits instead of failing.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  }
  db.pragma('foreign_keys = ON');
  return db;
}

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * Applies, in one transaction each, every migration newer than the file's
 * `user_version` in one schema namespace. Several stores share one file, so
 * each keeps its own version row instead of the single pragma.
 */
export function migrate(db: SqliteDatabase, namespace: string, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_versions (
    namespace TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  ) STRICT`);
  const current =
    (db.prepare('SELECT version FROM schema_versions WHERE namespace = ?').get(namespace) as { version: number } | undefined)
      ?.version ?? 0;
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > current);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(
        'INSERT INTO schema_versions (namespace, version) VALUES (?, ?) ON CONFLICT(namespace) DO UPDATE SET version = excluded.version',
      ).run(namespace, migration.version);
    })();
  }
}
