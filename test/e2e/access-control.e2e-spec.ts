import { ROLES, type Role } from '@concord/access';
import { RouteCatalog, type RegisteredRoute } from '../../apps/hub/src/access/route-catalog';
import { anOrderCreated } from './support/events';
import { startSecuredHub, TEST_ADMIN_KEY, type SecuredHub } from './support/secured-hub';

/**
 * Walks EVERY route the HTTP server registered (as Fastify recorded them, so
 * routes added later are walked too) with no key, an unknown key, a revoked
 * key and a key of each role, and checks the answer against the route's
 * declared access.
 */
describe('access control on every route', () => {
  let hub: SecuredHub;
  let routes: readonly RegisteredRoute[];
  const keys = {} as Record<Role, string>;
  let revokedKey: string;

  beforeAll(async () => {
    hub = await startSecuredHub();
    routes = hub.app.get(RouteCatalog).all();
    for (const role of ROLES) keys[role] = role === 'admin' ? TEST_ADMIN_KEY : await hub.keyFor(role, role === 'connector' ? ['erp'] : undefined);
    revokedKey = await hub.keyFor('analyst');
    const listed = await hub.inject({ method: 'GET', url: '/v1/keys' });
    const revokedId = (listed.json().keys as Array<{ id: string }>).at(-1)!.id;
    expect((await hub.inject({ method: 'POST', url: `/v1/keys/${revokedId}/revoke` })).statusCode).toBe(200);
  });
  afterAll(() => hub.close());

  const isDocumentation = (route: RegisteredRoute) => route.url === '/docs' || route.url.startsWith('/docs/') || route.url.startsWith('/docs-');
  const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+/g, 'probe-1').replace(/\*/g, 'probe');
  const call = (route: RegisteredRoute, key: string | null) =>
    hub.inject({
      method: route.method as 'GET',
      url: concrete(route.url),
      key,
      ...(route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH' ? { payload: {} } : {}),
    });

  it('finds the routes it walks (sanity: the catalog is filled by the router)', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    expect(names).toEqual(expect.arrayContaining(['POST /v1/events', 'GET /v1/events/:id', 'GET /health', 'GET /v1/keys']));
  });

  it('every route except the OpenAPI UI declares its access (a handler without @Roles/@Public fails here)', () => {
    const undeclared = routes.filter((r) => !r.access && !isDocumentation(r)).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
  });

  it('key-protected routes answer 401 without a key, with an unknown key and with a revoked key', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.access?.kind === 'roles')) {
      for (const [label, key] of [['no key', null], ['unknown key', 'concord_not-a-key-at-all-000000000000000'], ['revoked key', revokedKey]] as const) {
        const response = await call(route, key);
        if (response.statusCode !== 401) failures.push(`${route.method} ${route.url} with ${label}: ${response.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('key-protected routes answer 403 to every role they do not name, and let the roles they name through', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      if (route.access?.kind !== 'roles') continue;
      for (const role of ROLES) {
        const response = await call(route, keys[role]);
        const allowed = route.access.roles.includes(role);
        const ok = allowed ? ![401, 403].includes(response.statusCode) : response.statusCode === 403;
        if (!ok) failures.push(`${route.method} ${route.url} as ${role} (${allowed ? 'allowed' : 'not allowed'}): ${response.statusCode} ${response.body.slice(0, 120)}`);
        if (!allowed && response.statusCode === 403 && route.method !== 'HEAD') expect(response.json().reason).toBe('role-not-allowed');
      }
    }
    expect(failures).toEqual([]);
  });

  it('public routes answer the same whatever key is sent (none, unknown, revoked, any role)', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.access?.kind === 'public' || isDocumentation(r))) {
      const statuses = new Set<number>();
      for (const key of [null, 'concord_unknown-key-0000000000000000000000', revokedKey, ...ROLES.map((r) => keys[r])]) statuses.add((await call(route, key)).statusCode);
      if (statuses.size !== 1) failures.push(`${route.method} ${route.url}: ${[...statuses].join(', ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('pins the roles of the routes this issue defines (widening one is a deliberate edit here)', () => {
    const pinned: Record<string, readonly Role[] | 'public'> = {
      'POST /v1/events': ['connector', 'admin'],
      'GET /v1/events/:id': ['analyst', 'auditor', 'admin'],
      'GET /v1/streams/:stream': ['analyst', 'auditor', 'admin'],
      'GET /v1/quarantine': ['analyst', 'auditor', 'admin'],
      'GET /v1/quarantine/:id': ['analyst', 'auditor', 'admin'],
      'GET /v1/keys': ['admin'],
      'POST /v1/keys': ['admin'],
      'POST /v1/keys/:id/revoke': ['admin'],
      'GET /health': 'public',
      'GET /v1/whoami': ['connector', 'analyst', 'auditor', 'admin'],
      'GET /ui': 'public',
      'GET /ui/*': 'public',
      'GET /v1/audit/public-key': ['auditor', 'admin'],
      'GET /v1/audit/seals': ['auditor', 'admin'],
      'POST /v1/audit/seals': ['admin'],
      'GET /v1/audit/verify': ['auditor', 'admin'],
      'POST /v1/audit/verify': ['auditor', 'admin'],
      'POST /v1/subjects/:type/:id/forget': ['admin'],
    };
    const actual = Object.fromEntries(
      routes.filter((r) => `${r.method} ${r.url}` in pinned).map((r) => [`${r.method} ${r.url}`, r.access?.kind === 'roles' ? [...r.access.roles].sort() : r.access?.kind]),
    );
    const expected = Object.fromEntries(Object.entries(pinned).map(([k, v]) => [k, v === 'public' ? v : [...v].sort()]));
    expect(actual).toEqual(expected);
  });
});

describe('API keys at work', () => {
  let hub: SecuredHub;
  beforeEach(async () => {
    hub = await startSecuredHub();
  });
  afterEach(() => hub.close());

  it('accepts the key in x-api-key as well as Authorization: Bearer, and refuses two different keys', async () => {
    const analyst = await hub.keyFor('analyst');
    expect((await hub.inject({ method: 'GET', url: '/v1/quarantine', key: null, headers: { 'x-api-key': analyst } })).statusCode).toBe(200);
    expect((await hub.inject({ method: 'GET', url: '/v1/quarantine', key: null, headers: { authorization: `bearer ${analyst}` } })).statusCode).toBe(200);
    const both = await hub.inject({ method: 'GET', url: '/v1/quarantine', key: analyst, headers: { 'x-api-key': TEST_ADMIN_KEY } });
    expect(both.statusCode).toBe(401);
    expect(both.json().reason).toBe('ambiguous-key');
    const basic = await hub.inject({ method: 'GET', url: '/v1/quarantine', key: null, headers: { authorization: `Basic ${Buffer.from(`u:${analyst}`).toString('base64')}` } });
    expect(basic.statusCode).toBe(401);
  });

  it('a revoked key stops working at once, and the listing never shows a key or its hash', async () => {
    const created = await hub.inject({ method: 'POST', url: '/v1/keys', payload: { role: 'auditor', name: 'auditor laptop' } });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json();
    expect((await hub.inject({ method: 'GET', url: '/v1/streams/order-SO-1', key })).statusCode).toBe(404);
    expect((await hub.inject({ method: 'POST', url: `/v1/keys/${id}/revoke` })).json()).toMatchObject({ id, revokedAt: expect.any(String) });
    const after = await hub.inject({ method: 'GET', url: '/v1/streams/order-SO-1', key });
    expect(after.statusCode).toBe(401);
    expect(after.json().reason).toBe('revoked-key');
    const listing = await hub.inject({ method: 'GET', url: '/v1/keys' });
    expect(listing.body).not.toContain(key);
    expect(listing.body).not.toMatch(/[0-9a-f]{64}/);
    expect(listing.json().keys.map((k: { role: string }) => k.role)).toEqual(['admin', 'auditor']);
  });

  it('refuses bad key requests with 400', async () => {
    for (const payload of [{ role: 'root' }, { role: 'connector' }, { role: 'analyst', sources: ['erp'] }, { role: 'connector', sources: ["erp' OR 1=1"] }, { role: 'admin', extra: 1 }]) {
      const response = await hub.inject({ method: 'POST', url: '/v1/keys', payload });
      expect(response.statusCode).toBe(400);
    }
    expect((await hub.inject({ method: 'GET', url: '/v1/keys' })).json().keys).toHaveLength(1);
  });

  it('checks the key before reading the body: no key and 1 MiB + 1 byte is 401, not 413', async () => {
    const response = await hub.inject({ method: 'POST', url: '/v1/events', key: null, headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(1024 * 1024 + 1) });
    expect(response.statusCode).toBe(401);
    expect((await hub.inject({ method: 'GET', url: '/v1/quarantine' })).json().items).toEqual([]);
  });

  describe('connectors publish only for their own sources', () => {
    it('a single event from another source is 403 naming the source, kept in quarantine, not stored', async () => {
      const connector = await hub.keyFor('connector', ['crm']);
      const response = await hub.inject({ method: 'POST', url: '/v1/events', key: connector, payload: anOrderCreated({ source: 'erp' }) });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ reason: 'source-not-allowed', message: expect.stringContaining('"erp"'), quarantineId: expect.any(String) });
      expect((await hub.inject({ method: 'GET', url: '/v1/events/erp-evt-1' })).statusCode).toBe(404);
      const entry = (await hub.inject({ method: 'GET', url: `/v1/quarantine/${response.json().quarantineId}` })).json();
      expect(entry).toMatchObject({ reason: 'source-not-allowed', source: 'erp', status: 'open' });
    });

    it('in a batch, foreign items are rejected one by one and the rest is stored', async () => {
      const connector = await hub.keyFor('connector', ['erp', 'crm']);
      const events = [anOrderCreated({ id: 'a', source: 'erp' }), anOrderCreated({ id: 'b', source: 'billing' }), anOrderCreated({ id: 'c', source: 'crm' })];
      const response = await hub.inject({ method: 'POST', url: '/v1/events', key: connector, payload: { events } });
      expect(response.statusCode).toBe(200);
      const results = response.json().results;
      expect(results.map((r: { status: string }) => r.status)).toEqual(['appended', 'rejected', 'appended']);
      expect(results[1]).toMatchObject({ reason: 'source-not-allowed', message: expect.stringContaining('"billing"') });
    });

    it('records the credential id, never the key, with the stored event', async () => {
      const created = (await hub.inject({ method: 'POST', url: '/v1/keys', payload: { role: 'connector', sources: ['erp'] } })).json();
      expect((await hub.inject({ method: 'POST', url: '/v1/events', key: created.key, payload: anOrderCreated() })).json().results[0].status).toBe('appended');
      const event = (await hub.inject({ method: 'GET', url: '/v1/events/erp-evt-1' })).json().event;
      expect(event.transport).toMatchObject({ kind: 'http', credential: created.id });
      expect(JSON.stringify(event)).not.toContain(created.key);
    });

    it('an admin key may publish for any source', async () => {
      const response = await hub.inject({ method: 'POST', url: '/v1/events', payload: anOrderCreated({ source: 'anything' }) });
      expect(response.json().results[0].status).toBe('appended');
    });
  });
});
