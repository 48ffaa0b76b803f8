import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadModelStoreContract, sqliteReadModels } from '../testing';
import { SqliteReadModelStore } from './sqlite-read-model-store';

describeReadModelStoreContract('SQLite', () => sqliteReadModels.open());

describe('SQLite read-model store', () => {
  it('reopens its file without migrating twice, and two handles on one file share leases and fences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-rm-'));
    try {
      const first = SqliteReadModelStore.open(join(dir, 'read-models.db'));
      const second = SqliteReadModelStore.open(join(dir, 'read-models.db'));
      const at = '2026-11-21T10:00:00.000Z';
      expect(await first.acquireLease({ name: 'p', owner: 'a', at, ttlMs: 1000 })).toMatchObject({ acquired: true });
      expect(await second.acquireLease({ name: 'p', owner: 'b', at, ttlMs: 1000 })).toMatchObject({ acquired: false, holder: { owner: 'a' } });
      expect(second.db.prepare("SELECT version FROM schema_versions WHERE namespace = 'read-models'").get()).toEqual({ version: 2 });
      await first.close();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
