import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeys } from '@concord/access';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { RouteCatalog, type RegisteredRoute } from '../../apps/hub/src/access/route-catalog';
import { anOrderCreated } from './support/events';
import { startSecuredHub, type SecuredHub } from './support/secured-hub';
import { SHOP_SECRET, writeShopWebhookConfig } from './support/webhooks';

/**
 * Bad input and abuse on EVERY route (walked from the router, so routes added
 * later are covered): each attempt gets a clear 4xx (ingestion answers per
 * item, as its contract says), the process stays up, and nothing that was
 * stored before changes.
 */
describe('bad input and abuse on every route', () => {
  let hub: SecuredHub;
  let routes: RegisteredRoute[];
  let before: Awaited<ReturnType<typeof snapshot>>;

  const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const concrete = (url: string, value = 'probe-1') => url.replace(/:[A-Za-z0-9_]+/g, value).replace(/\*/g, value);
  const isIngestion = (route: RegisteredRoute) => route.url === '/v1/events';
  const isWebhook = (route: RegisteredRoute) => route.url.startsWith('/v1/webhooks/');
  const isDocumentation = (route: RegisteredRoute) => route.url === '/docs' || route.url.startsWith('/docs/') || route.url.startsWith('/docs-');

  async function snapshot() {
    const store = hub.app.get<EventStore>(EVENT_STORE);
    const events = await store.readAll({ after: 0, limit: 100_000 });
    const quarantine = (await hub.inject({ method: 'GET', url: '/v1/quarantine?limit=500' })).json().items as Array<{ id: string }>;
    const keys = await hub.app.get(ApiKeys).list();
    return { events, quarantine, keys };
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-abuse-'));
    hub = await startSecuredHub({ dataDir: dir, env: { CONCORD_WEBHOOKS_CONFIG: writeShopWebhookConfig(dir) }, runtime: { env: { SHOP_WEBHOOK_SECRET: SHOP_SECRET } } });
    await hub.keyFor('connector', ['erp']);
    await hub.inject({ method: 'POST', url: '/v1/events', payload: { events: [anOrderCreated(), anOrderCreated({ id: 'erp-evt-2', type: 'order.unknown' })] } });
    routes = hub.app.get(RouteCatalog).all().filter((r) => r.method !== 'HEAD' && !isDocumentation(r));
    before = await snapshot();
    expect(before.events).toHaveLength(1);
    expect(before.quarantine).toHaveLength(1);
  });

  afterAll(async () => {
    // The process is up and answers, and what was stored before is unchanged (new refusals may be added to the quarantine).
    expect((await hub.inject({ method: 'GET', url: '/health', key: null })).statusCode).toBe(200);
    const after = await snapshot();
    expect(after.events).toEqual(before.events);
    expect(after.keys).toEqual(before.keys);
    for (const entry of before.quarantine) expect(after.quarantine).toContainEqual(entry);
    await hub.close();
  });

  const bodyRoutes = () => routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
  const post = (route: RegisteredRoute, payload: string | Buffer) =>
    hub.inject({ method: route.method as 'POST', url: concrete(route.url, route.url.includes(':source') ? 'shop' : 'probe-1'), headers: { 'content-type': 'application/json' }, payload });

  /** Ingestion answers per item; anything else must be a 4xx. */
  function expectRefused(route: RegisteredRoute, response: { statusCode: number; json(): any }, label: string) {
    if (isIngestion(route) && response.statusCode === 200) {
      const results = response.json().results as Array<{ status: string }>;
      expect({ label, statuses: results.map((r) => r.status) }).toEqual({ label, statuses: results.map(() => 'rejected') });
      return;
    }
    expect({ label, route: `${route.method} ${route.url}`, status: response.statusCode }).toEqual({ label, route: `${route.method} ${route.url}`, status: expect.any(Number) });
    if (response.statusCode < 400 || response.statusCode >= 500) throw new Error(`${label} on ${route.method} ${route.url} answered ${response.statusCode}`);
  }

  it('__proto__ / constructor / prototype payloads are refused and pollute nothing', async () => {
    for (const route of bodyRoutes()) {
      for (const text of ['{"__proto__":{"polluted":true}}', '{"events":[{"constructor":{"prototype":{"polluted":true}}}]}', '{"payload":{"a":{"__proto__":{"polluted":true}}}}']) {
        expectRefused(route, await post(route, text), `forbidden key ${text}`);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('10,000-deep nesting is refused without a crash', async () => {
    for (const route of bodyRoutes()) {
      expectRefused(route, await post(route, deep(10_000)), 'deep object');
      expectRefused(route, await post(route, `{"events":[${deep(10_000)}]}`), 'deep event in a batch');
      expectRefused(route, await post(route, `${'['.repeat(10_000)}${']'.repeat(10_000)}`), 'deep array');
    }
  });

  it('1 MiB + 1 byte is 413', async () => {
    const big = `{"pad":"${'x'.repeat(1024 * 1024 + 1 - 10)}"}`;
    expect(Buffer.byteLength(big)).toBe(1024 * 1024 + 1);
    for (const route of bodyRoutes()) {
      const response = await post(route, big);
      expect({ route: `${route.method} ${route.url}`, status: response.statusCode }).toEqual({ route: `${route.method} ${route.url}`, status: isWebhook(route) ? expect.any(Number) : 413 });
      expectRefused(route, response, '1 MiB + 1');
    }
  });

  it('invalid UTF-8 is refused, never repaired', async () => {
    for (const route of bodyRoutes()) {
      const response = await post(route, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
      expectRefused(route, response, 'invalid UTF-8');
    }
  });

  it('CR/LF in path ids never reaches a response header', async () => {
    for (const route of routes.filter((r) => r.url.includes(':'))) {
      const response = await hub.inject({ method: route.method as 'GET', url: concrete(route.url, 'x%0D%0Ax-injected:%20yes'), ...(route.method === 'POST' ? { payload: {} } : {}) });
      expect(response.headers['x-injected']).toBeUndefined();
      expectRefused(route, response, 'CR/LF id');
    }
    const echoed = await hub.inject({ method: 'GET', url: '/health', key: null, headers: { 'x-request-id': 'abc" onload=1 ; DROP TABLE' } });
    expect(echoed.headers['x-request-id']).not.toContain('DROP');
  });

  it('SQL-looking strings in filters are refused (and the log is intact, checked after all)', async () => {
    const sql = ["' OR 1=1 --", "x'; DROP TABLE events; --", '1 UNION SELECT key_hash FROM api_keys'];
    for (const route of routes.filter((r) => r.method === 'GET')) {
      for (const value of sql) {
        const query = ['source', 'reason', 'eventId', 'status', 'cursor', 'since', 'view', 'fromRevision', 'limit'].map((name) => `${name}=${encodeURIComponent(value)}`).join('&');
        const response = await hub.inject({ method: 'GET', url: `${concrete(route.url)}?${query}` });
        expect(response.body).not.toContain('key_hash');
        if (route.url === '/v1/quarantine' || route.url === '/v1/streams/:stream' || route.url === '/v1/events/:id') expectRefused(route, response, `SQL ${value}`);
        // The dashboard's static files answer 503 "not built" until `npm run build:ui` ran (npm test does not build it).
        else if (route.url.startsWith('/ui')) expect([200, 404, 503]).toContain(response.statusCode);
        else expect(response.statusCode).toBeLessThan(500);
      }
    }
    const quarantineBySql = await hub.inject({ method: 'GET', url: `/v1/quarantine?source=${encodeURIComponent("erp' OR '1'='1")}` });
    expect(quarantineBySql.statusCode).toBe(400);
  });

  it('a huge limit is 400 wherever a limit is taken', async () => {
    for (const url of ['/v1/quarantine?limit=999999999999', '/v1/streams/order-SO-1?limit=999999999999', '/v1/quarantine?limit=-1', '/v1/streams/order-SO-1?limit=1e400']) {
      expect({ url, status: (await hub.inject({ method: 'GET', url })).statusCode }).toEqual({ url, status: 400 });
    }
    expect((await hub.inject({ method: 'POST', url: '/v1/quarantine/replay', payload: { limit: 999_999_999 } })).statusCode).toBe(400);
  });

  it("the hub's own source cannot be used from outside", async () => {
    const single = await hub.inject({ method: 'POST', url: '/v1/events', payload: anOrderCreated({ id: 'fake-audit', source: 'concord' }) });
    expect(single.statusCode).toBe(403);
    expect(single.json()).toMatchObject({ reason: 'source-not-allowed', message: expect.stringContaining('reserved') });
    const batch = await hub.inject({ method: 'POST', url: '/v1/events', payload: { events: [anOrderCreated({ id: 'fake-audit', source: 'concord' })] } });
    expect(batch.json().results[0]).toMatchObject({ status: 'rejected', reason: 'source-not-allowed' });
    expect((await hub.inject({ method: 'POST', url: '/v1/keys', payload: { role: 'connector', sources: ['concord'] } })).statusCode).toBe(400);
  });
});
