import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSecuredHub, type SecuredHub } from './support/secured-hub';

describe('the dashboard at /ui', () => {
  let bundle: string;
  let hub: SecuredHub;

  beforeAll(async () => {
    bundle = mkdtempSync(join(tmpdir(), 'concord-ui-'));
    writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>dash</title><script src="/ui/app.js"></script>');
    writeFileSync(join(bundle, 'app.js'), 'console.log(1)');
    writeFileSync(join(bundle, '.secret'), 'hidden');
    hub = await startSecuredHub({ env: { CONCORD_UI_DIR: bundle } });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  it('serves the page without a key, with a content security policy that allows only the hub itself', async () => {
    for (const url of ['/ui', '/ui/']) {
      const page = await hub.inject({ method: 'GET', url, key: null });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('<title>dash</title>');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('serves bundle files with their type, and the app itself for page paths', async () => {
    const script = await hub.inject({ method: 'GET', url: '/ui/app.js', key: null });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.body).toBe('console.log(1)');
    const deep = await hub.inject({ method: 'GET', url: '/ui/entities/order', key: null });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>dash</title>');
  });

  it('never serves anything outside the bundle, hidden files, or missing files', async () => {
    for (const url of ['/ui/../access.db', '/ui/%2e%2e/access.db', '/ui/..%2Fevents.db', '/ui/.secret', '/ui/missing.js', '/ui/a/../../x.js']) {
      const response = await hub.inject({ method: 'GET', url, key: null });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 404 });
      expect(response.body).not.toContain('hidden');
    }
  });

  it('answers 503 with what to do when the dashboard was not built', async () => {
    const unbuilt = await startSecuredHub({ env: { CONCORD_UI_DIR: join(bundle, 'nowhere') } });
    try {
      const page = await unbuilt.inject({ method: 'GET', url: '/ui', key: null });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build');
    } finally {
      await unbuilt.close();
    }
  });
});

describe('GET /v1/whoami', () => {
  let hub: SecuredHub;
  beforeAll(async () => {
    hub = await startSecuredHub();
  });
  afterAll(() => hub.close());

  it('tells each role who it is, never the key', async () => {
    const analyst = await hub.keyFor('analyst');
    const connector = await hub.keyFor('connector', ['erp', 'crm']);
    const asAnalyst = await hub.inject({ method: 'GET', url: '/v1/whoami', key: analyst });
    expect(asAnalyst.statusCode).toBe(200);
    expect(asAnalyst.json()).toEqual({ keyId: expect.any(String), role: 'analyst', sources: [] });
    expect(asAnalyst.body).not.toContain(analyst);
    expect((await hub.inject({ method: 'GET', url: '/v1/whoami', key: connector })).json()).toMatchObject({ role: 'connector', sources: ['erp', 'crm'] });
    expect((await hub.inject({ method: 'GET', url: '/v1/whoami' })).json()).toMatchObject({ role: 'admin', name: expect.stringContaining('bootstrap') });
  });

  it('answers 401 without a valid key', async () => {
    expect((await hub.inject({ method: 'GET', url: '/v1/whoami', key: null })).statusCode).toBe(401);
    expect((await hub.inject({ method: 'GET', url: '/v1/whoami', key: 'concord_nope-000000000000000000000000' })).statusCode).toBe(401);
  });
});
