import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeApiKeyStoreContract } from '../testing';
import { SqliteApiKeyStore } from './sqlite-api-key-store';

describeApiKeyStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
  const store = SqliteApiKeyStore.open(join(dir, 'access.db'));
  return {
    store,
    teardown: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteApiKeyStore file', () => {
  it('keeps keys across a reopen and holds only hashes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
    const file = join(dir, 'access.db');
    const first = SqliteApiKeyStore.open(file);
    await first.insert({ id: 'key-1', keyHash: 'f'.repeat(64), role: 'admin', sources: [], createdAt: '2026-01-01T00:00:00.000Z' });
    await first.close();
    const second = SqliteApiKeyStore.open(file);
    expect((await second.findByHash('f'.repeat(64)))?.id).toBe('key-1');
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
