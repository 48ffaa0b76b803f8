import { ManualClock, SeededIds } from '@concord/common';
import { ApiKeys, hashKey, InvalidKeyRequestError, mayPublish } from './api-keys';
import { SqliteApiKeyStore } from './sqlite/sqlite-api-key-store';
import { openDatabase } from '@concord/sqlite';

function subject() {
  const store = new SqliteApiKeyStore(openDatabase(':memory:'));
  let n = 0;
  const keys = new ApiKeys(store, new ManualClock('2026-03-01T00:00:00Z'), new SeededIds(7), () => `secret-${++n}`.padEnd(43, 'x'));
  return { store, keys };
}

describe('ApiKeys', () => {
  it('given a connector request, when created, then the key is returned once and only its hash is stored', async () => {
    const { store, keys } = subject();
    const { key, record } = await keys.create({ role: 'connector', sources: ['erp', 'crm', 'erp'], name: 'erp bridge' });
    expect(key.startsWith('concord_')).toBe(true);
    expect(record).toMatchObject({ role: 'connector', sources: ['erp', 'crm'], name: 'erp bridge', createdAt: '2026-03-01T00:00:00.000Z' });
    expect(JSON.stringify(await store.list())).not.toContain(key);
    expect((await store.findByHash(hashKey(key)))?.id).toBe(record.id);
  });

  it.each([
    [{ role: 'root' }, /role must be one of/],
    [{ role: 'connector' }, /at least one source/],
    [{ role: 'analyst', sources: ['erp'] }, /only connector keys/],
    [{ role: 'connector', sources: ['ERP; DROP TABLE'] }, /must match/],
    [{ role: 'admin', name: 'evil\r\nname' }, /without control characters/],
  ])('refuses the request %j', async (request, message) => {
    const { keys, store } = subject();
    await expect(keys.create(request)).rejects.toThrow(message);
    await expect(keys.create(request)).rejects.toBeInstanceOf(InvalidKeyRequestError);
    expect(await store.list()).toEqual([]);
  });

  it('authenticates an active key, and tells unknown from revoked', async () => {
    const { keys } = subject();
    const { key, record } = await keys.create({ role: 'auditor' });
    expect(await keys.authenticate(key)).toEqual({ ok: true, principal: { keyId: record.id, role: 'auditor', sources: [] } });
    expect(await keys.authenticate(`${key}x`)).toEqual({ ok: false, problem: 'unknown-key' });
    expect(await keys.authenticate('')).toEqual({ ok: false, problem: 'unknown-key' });
    await keys.revoke(record.id);
    expect(await keys.authenticate(key)).toEqual({ ok: false, problem: 'revoked-key' });
  });

  describe('bootstrap admin', () => {
    const value = 'bootstrap-admin-key-0123456789';

    it('creates the admin key when there is none, then does nothing while one is active', async () => {
      const { keys } = subject();
      expect(await keys.bootstrapAdmin(value)).toBe('created');
      expect(await keys.bootstrapAdmin(value)).toBe('admin-exists');
      expect((await keys.authenticate(value)).ok).toBe(true);
      expect(await keys.list()).toHaveLength(1);
    });

    it('does nothing when another admin key exists', async () => {
      const { keys } = subject();
      await keys.create({ role: 'admin' });
      expect(await keys.bootstrapAdmin(value)).toBe('admin-exists');
      expect(await keys.authenticate(value)).toEqual({ ok: false, problem: 'unknown-key' });
    });

    it('never revives a revoked bootstrap value', async () => {
      const { keys } = subject();
      await keys.bootstrapAdmin(value);
      const [admin] = await keys.list();
      await keys.revoke(admin!.id);
      expect(await keys.bootstrapAdmin(value)).toBe('value-was-revoked');
      expect(await keys.authenticate(value)).toEqual({ ok: false, problem: 'revoked-key' });
    });

    it('refuses a short value', async () => {
      const { keys } = subject();
      await expect(keys.bootstrapAdmin('admin')).rejects.toThrow(/24\.\.256 characters/);
    });
  });

  it('lets connectors publish only their sources and admins any source', () => {
    expect(mayPublish({ keyId: 'k', role: 'connector', sources: ['erp'] }, 'erp')).toBe(true);
    expect(mayPublish({ keyId: 'k', role: 'connector', sources: ['erp'] }, 'crm')).toBe(false);
    expect(mayPublish({ keyId: 'k', role: 'admin', sources: [] }, 'crm')).toBe(true);
    expect(mayPublish({ keyId: 'k', role: 'analyst', sources: [] }, 'crm')).toBe(false);
  });
});
