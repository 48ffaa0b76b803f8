import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyVault } from './sqlite-key-vault';
import { describeKeyVaultContract } from './testing/key-vault-contract';

describeKeyVaultContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
  const file = join(dir, 'keys.db');
  let vault = SqliteKeyVault.open(file);
  return {
    vault,
    other: async () => SqliteKeyVault.open(file),
    reopen: async () => {
      await vault.close();
      vault = SqliteKeyVault.open(file);
      return vault;
    },
    teardown: async () => {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite key vault file', () => {
  it('creates a key while another process commits to the file (two ingest processes on one data directory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
    const file = join(dir, 'keys.db');
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    let otherWrote: boolean | undefined;
    // The other process tries to commit while this vault creates a key: between the vault's read of the
    // subject's current key and its insert. A transaction that began as a reader would then be refused
    // (SQLITE_BUSY_SNAPSHOT, no busy wait helps); one that took the write lock first makes the other wait.
    const vault = SqliteKeyVault.open(file, {
      newKeyMaterial: () => {
        if (otherWrote === undefined) {
          try {
            other.prepare(`INSERT INTO subject_keys (subject_type, subject_id, generation, material, created_at) VALUES ('order', 'SO-9', 1, x'00', '2026-01-01')`).run();
            otherWrote = true;
          } catch {
            otherWrote = false;
          }
        }
        return Buffer.alloc(32, 7);
      },
    });
    try {
      const [written] = await vault.keysForWriting([{ type: 'order', id: 'SO-1' }]);
      expect(written!.key.generation).toBe(1);
      expect(otherWrote).toBe(false);
    } finally {
      await vault.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is readable by its owner only, and a destroyed key leaves no copy of its bytes in the file or its WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
    const file = join(dir, 'keys.db');
    const material = Buffer.alloc(32, 0xa7);
    const vault = SqliteKeyVault.open(file, { newKeyMaterial: () => Buffer.from(material) });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await vault.keysForWriting([{ type: 'customer', id: 'C-1' }]);
      const contains = (): boolean =>
        [file, `${file}-wal`].some((f) => {
          try {
            return readFileSync(f).includes(material);
          } catch {
            return false;
          }
        });
      expect(contains()).toBe(true);
      await vault.forget({ type: 'customer', id: 'C-1' }, '2026-11-21T10:00:00.000Z', 'key-admin');
      expect(contains()).toBe(false);
    } finally {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps its caches bounded: a batch with more subjects than the cache holds still gets every key, the same on reading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
    const vault = SqliteKeyVault.open(join(dir, 'keys.db'), { cachedKeys: 2 });
    try {
      const subjects = Array.from({ length: 5 }, (_, i) => ({ type: 'customer', id: `C-${i}` }));
      const written = await vault.keysForWriting(subjects);
      const again = await vault.keysForWriting(subjects);
      subjects.forEach((subject, i) => {
        expect(written[i]!.key.generation).toBe(1);
        expect(again[i]!.key.encryption.equals(written[i]!.key.encryption)).toBe(true);
        expect(vault.readKey(subject, 1)!.encryption.equals(written[i]!.key.encryption)).toBe(true);
      });
      expect(new Set(written.map((w) => w.key.encryption.toString('hex'))).size).toBe(5);
    } finally {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a row that is both forgotten and still holds key material', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
    const file = join(dir, 'keys.db');
    const vault = SqliteKeyVault.open(file);
    const db = new Database(file);
    try {
      expect(() =>
        db
          .prepare(`INSERT INTO subject_keys (subject_type, subject_id, generation, material, created_at, forgotten_at) VALUES ('customer', 'C-9', 1, x'00', 't', 't')`)
          .run(),
      ).toThrow(/CHECK constraint/);
    } finally {
      db.close();
      void vault.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
