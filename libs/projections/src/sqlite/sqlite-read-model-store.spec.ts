import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadModelStoreContract, sqliteReadModels } from '../testing';
import { SqliteReadModelStore } from './sqlite-read-model-store';

describeReadModelStoreContract('SQLite', () => sqliteReadModels.open());

describe('SQLite read-model store', () => {
  it('given commits of more than SQLite\'s default 1,000 WAL pages, then none of them pays a checkpoint, and all of them are there after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-rm-'));
    const file = join(dir, 'read-models.db');
    try {
      const store = SqliteReadModelStore.open(file);
      const at = '2026-11-21T10:00:00.000Z';
      for (let position = 1; position <= 3; position++) {
        const changes = Array.from({ length: 800 }, (_, i) => ({ collection: 'c', key: `k${position}-${i}`, doc: { pad: 'x'.repeat(3000) } }));
        await store.commit({ name: 'p', version: 1, expectedPosition: position - 1, position, changes, state: 'running', at });
      }
      // About 2,400 pages written: with the default, commits would have copied the WAL back and restarted it.
      const [wal] = store.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
      expect(wal!.log).toBeGreaterThan(2000);
      await store.close();
      const reopened = SqliteReadModelStore.open(file);
      expect(await reopened.checkpoint('p')).toMatchObject({ position: 3 });
      expect((await reopened.getMany('c', ['k1-0', 'k3-799'])).size).toBe(2);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reopens its file without migrating twice, and two handles on one file share leases and fences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-rm-'));
    try {
      const first = SqliteReadModelStore.open(join(dir, 'read-models.db'));
      const second = SqliteReadModelStore.open(join(dir, 'read-models.db'));
      const at = '2026-11-21T10:00:00.000Z';
      expect(await first.acquireLease({ name: 'p', owner: 'a', at, ttlMs: 1000 })).toMatchObject({ acquired: true });
      expect(await second.acquireLease({ name: 'p', owner: 'b', at, ttlMs: 1000 })).toMatchObject({ acquired: false, holder: { owner: 'a' } });
      expect(second.db.prepare("SELECT version FROM schema_versions WHERE namespace = 'read-models'").get()).toEqual({ version: 3 });
      await first.close();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that cannot grow (disk full) is an outage the runner retries, and the store writes again once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-rm-'));
    const store = SqliteReadModelStore.open(join(dir, 'read-models.db'));
    try {
      const at = '2026-11-21T10:00:00.000Z';
      const commit = (position: number, size: number) =>
        store.commit({ name: 'p', version: 1, expectedPosition: position - 1, position, changes: [{ collection: 'c', key: `k${position}`, doc: { pad: 'x'.repeat(size) } }], state: 'running', at });
      await commit(1, 10);
      // max_page_count is how SQLite itself simulates a full disk: the file may not grow past its current size.
      const pages = (store.db.pragma('page_count', { simple: true }) as number) + 0;
      store.db.pragma(`max_page_count = ${pages}`);
      await expect(commit(2, 200_000)).rejects.toMatchObject({ name: 'StoreUnavailableError', message: expect.stringMatching(/read-model store cannot write: database or disk is full/) });
      await expect(store.markState('p', 1, 'failed', at)).resolves.toBeUndefined(); // fits: nothing grows
      expect(await store.checkpoint('p')).toMatchObject({ position: 1 }); // the refused commit left no trace
      store.db.pragma('max_page_count = 1073741823');
      await commit(2, 200_000);
      expect(await store.checkpoint('p')).toMatchObject({ position: 2, state: 'running' });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the documents of a file written before documents moved to a rowid table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-rm-'));
    const file = join(dir, 'read-models.db');
    try {
      // Given a file at schema version 2, as earlier builds wrote it
      const old = new Database(file);
      old.exec(`
        CREATE TABLE schema_versions (namespace TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT;
        INSERT INTO schema_versions VALUES ('read-models', 2);
        CREATE TABLE documents (collection TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (collection, key)) STRICT, WITHOUT ROWID;
        CREATE TABLE projection_checkpoints (name TEXT PRIMARY KEY, version INTEGER NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT, updated_at TEXT NOT NULL) STRICT;
        CREATE TABLE projection_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, token INTEGER NOT NULL, expires_at INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT;
        INSERT INTO documents VALUES ('entities', 'order/SO-1', '{"status":"open"}');
        INSERT INTO projection_checkpoints VALUES ('entity-view', 1, 7, 'running', NULL, '2026-11-21T10:00:00.000Z');
      `);
      old.close();

      // When this build opens it
      const store = SqliteReadModelStore.open(file);

      // Then the documents and the checkpoint are still there, in a rowid table
      expect(await store.get('entities', 'order/SO-1')).toEqual({ status: 'open' });
      expect(await store.checkpoint('entity-view')).toMatchObject({ position: 7, version: 1 });
      const ddl = store.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'documents'").get() as { sql: string };
      expect(ddl.sql).not.toMatch(/WITHOUT ROWID/i);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
