import type { ApiKeyStore, NewApiKeyRecord } from '../api-key-store.port';
import { KeyHashTakenError } from '../api-key-store.port';

function aKey(overrides: Partial<NewApiKeyRecord> = {}): NewApiKeyRecord {
  return { id: 'key-1', keyHash: 'a'.repeat(64), role: 'connector', sources: ['erp'], createdAt: '2026-01-01T00:00:00.000Z', ...overrides };
}

/** What every ApiKeyStore adapter must do; each adapter's spec calls this once. */
export function describeApiKeyStoreContract(adapter: string, create: () => Promise<{ store: ApiKeyStore; teardown: () => Promise<void> }>): void {
  describe(`ApiKeyStore contract: ${adapter}`, () => {
    let store: ApiKeyStore;
    let teardown: () => Promise<void>;

    beforeEach(async () => {
      ({ store, teardown } = await create());
    });
    afterEach(() => teardown());

    it('finds a key by its hash with its grants, and never returns the hash', async () => {
      await store.insert(aKey({ name: 'erp connector', sources: ['erp', 'crm'] }));
      const found = await store.findByHash('a'.repeat(64));
      expect(found).toEqual({ id: 'key-1', name: 'erp connector', role: 'connector', sources: ['erp', 'crm'], createdAt: '2026-01-01T00:00:00.000Z' });
      expect(JSON.stringify(await store.list())).not.toContain('a'.repeat(64));
    });

    it('answers undefined for an unknown hash or id', async () => {
      await store.insert(aKey());
      expect(await store.findByHash('b'.repeat(64))).toBeUndefined();
      expect(await store.get('key-404')).toBeUndefined();
    });

    it('refuses a second key with the same hash, even when the first is revoked', async () => {
      await store.insert(aKey());
      await store.revoke('key-1', '2026-01-02T00:00:00.000Z');
      await expect(store.insert(aKey({ id: 'key-2' }))).rejects.toBeInstanceOf(KeyHashTakenError);
      expect(await store.list()).toHaveLength(1);
    });

    it('revokes once: a second revoke keeps the first time, and the key still exists', async () => {
      await store.insert(aKey());
      expect((await store.revoke('key-1', '2026-01-02T00:00:00.000Z'))?.revokedAt).toBe('2026-01-02T00:00:00.000Z');
      expect((await store.revoke('key-1', '2026-01-03T00:00:00.000Z'))?.revokedAt).toBe('2026-01-02T00:00:00.000Z');
      expect((await store.findByHash('a'.repeat(64)))?.revokedAt).toBe('2026-01-02T00:00:00.000Z');
      expect(await store.revoke('key-404', '2026-01-03T00:00:00.000Z')).toBeUndefined();
    });

    it('counts active keys per role and lists oldest first', async () => {
      await store.insert(aKey({ id: 'key-1', keyHash: '1'.repeat(64), role: 'admin', sources: [] }));
      await store.insert(aKey({ id: 'key-2', keyHash: '2'.repeat(64), role: 'admin', sources: [] }));
      await store.insert(aKey({ id: 'key-3', keyHash: '3'.repeat(64) }));
      await store.revoke('key-2', '2026-01-02T00:00:00.000Z');
      expect(await store.countActive('admin')).toBe(1);
      expect(await store.countActive('connector')).toBe(1);
      expect(await store.countActive('auditor')).toBe(0);
      expect((await store.list()).map((k) => k.id)).toEqual(['key-1', 'key-2', 'key-3']);
    });
  });
}
