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

describe('SqliteApiKeyStore lookups across processes', () => {
  it('sees a revocation written by another connection (the CLI) on the very next lookup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-keys-'));
    const file = join(dir, 'access.db');
    const hub = SqliteApiKeyStore.open(file);
    await hub.insert({ id: 'key-1', keyHash: 'e'.repeat(64), role: 'connector', sources: ['erp'], createdAt: '2026-01-01T00:00:00.000Z' });
    expect((await hub.findByHash('e'.repeat(64)))?.revokedAt).toBeUndefined();
    expect(await hub.findByHash('d'.repeat(64))).toBeUndefined();
    const cli = SqliteApiKeyStore.open(file);
    await cli.revoke('key-1', '2026-01-02T00:00:00.000Z');
    await cli.insert({ id: 'key-2', keyHash: 'd'.repeat(64), role: 'analyst', sources: [], createdAt: '2026-01-02T00:00:00.000Z' });
    await cli.close();
    expect((await hub.findByHash('e'.repeat(64)))?.revokedAt).toBe('2026-01-02T00:00:00.000Z');
    expect((await hub.findByHash('d'.repeat(64)))?.id).toBe('key-2');
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
