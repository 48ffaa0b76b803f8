import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeys, SqliteApiKeyStore } from '@concord/access';
import { cli } from '../cli-harness';

describe('npm run concord -- keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-cli-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const authenticate = async (key: string) => {
    const store = SqliteApiKeyStore.open(join(dir, 'access.db'));
    const result = await new ApiKeys(store).authenticate(key);
    await store.close();
    return result;
  };

  it('creates a connector key for several sources and prints the key once, on stdout only', async () => {
    const created = await cli(dir, 'keys', 'create', '--role', 'connector', '--source', 'erp', '--source', 'crm', '--name', 'bridge');
    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^concord_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain('shown this once only');
    expect(created.err).not.toContain(key);
    expect(await authenticate(key)).toMatchObject({ ok: true, principal: { role: 'connector', sources: ['erp', 'crm'] } });
  });

  it('lists ids, roles, sources, created and revoked, never a key or a hash', async () => {
    const key = (await cli(dir, 'keys', 'create', '--role', 'auditor')).out.trim();
    const listed = await cli(dir, 'keys', 'list');
    expect(listed.out).toMatch(/key-\S+\s+auditor\s+-\s+\S+Z\s+active/);
    expect(listed.out).not.toContain(key);
    expect(listed.out).not.toMatch(/[0-9a-f]{64}/);
    const json = JSON.parse((await cli(dir, 'keys', 'list', '--json')).out);
    expect(json).toEqual([expect.objectContaining({ role: 'auditor', sources: [] })]);
  });

  it('revokes by id; the key stops authenticating and stays listed as revoked', async () => {
    const key = (await cli(dir, 'keys', 'create', '--role', 'analyst')).out.trim();
    const [record] = JSON.parse((await cli(dir, 'keys', 'list', '--json')).out);
    const revoked = await cli(dir, 'keys', 'revoke', record.id);
    expect(revoked).toMatchObject({ code: 0, out: expect.stringContaining(`revoked ${record.id}`) });
    expect(await authenticate(key)).toEqual({ ok: false, problem: 'revoked-key' });
    expect((await cli(dir, 'keys', 'list')).out).toContain('revoked 20');
    expect((await cli(dir, 'keys', 'revoke', 'key-unknown')).code).toBe(1);
  });

  it.each([
    [['keys', 'create']],
    [['keys', 'create', '--role', 'connector']],
    [['keys', 'create', '--role', 'superuser']],
    [['keys', 'create', '--role', 'connector', '--source', 'concord']],
    [['keys', 'revoke']],
    [['keys', 'rotate']],
  ])('answers usage errors with exit code 2: %j', async (argv) => {
    const result = await cli(dir, ...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain('usage: npm run concord -- keys');
    expect(result.out).toBe('');
  });
});
