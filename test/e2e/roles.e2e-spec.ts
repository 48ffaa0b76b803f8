import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestHub, testReadModelBackends, type TestHub } from './support/test-hub';
import { authHeader } from './support/auth';

function created(id: string, orderId: string) {
  return {
    id,
    source: 'erp',
    type: 'order.created',
    subject: { type: 'order', id: orderId },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { customerId: 'C-1', status: 'OPEN', total: { amount: 10, currency: 'EUR' } },
  };
}

describe('roles: an ingest-only instance', () => {
  it('takes events in, serves no reads, runs no projections and opens no read models', async () => {
    const hub = await startTestHub({ env: { CONCORD_ROLES: 'ingest' } });
    try {
      const posted = await hub.post('/v1/events', created('e1', 'SO-1'));
      expect(posted.body.results[0]).toMatchObject({ status: 'appended', position: 1 });
      expect((await hub.get('/health')).status).toBe(200);
      for (const url of ['/v1/entities/order/SO-1', '/v1/projections', '/v1/events/e1', '/v1/quarantine']) {
        expect({ url, status: (await hub.get(url)).status }).toEqual({ url, status: 404 });
      }
      expect(existsSync(join(hub.dataDir, 'read-models.db'))).toBe(false);
    } finally {
      await hub.close();
    }
  });
});

describe.each(testReadModelBackends('roles: split instances'))('roles: split instances on one log [read models: %s]', (readModels) => {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    // Standbys and readers first, the active projector last; data dirs and schemas go with the first hub.
    for (const hub of hubs.splice(0).reverse()) await hub.close();
  });

  it('one projector runs each projection, a second stands by, API instances read what it wrote', async () => {
    const front = await startTestHub({ readModels, env: { CONCORD_ROLES: 'ingest,api', CONCORD_INSTANCE_ID: 'front' } });
    hubs.push(front);
    const shared = { dataDir: front.dataDir, env: { ...pick(front.config), CONCORD_ROLES: 'project', CONCORD_INSTANCE_ID: 'projector-1' } };
    const projector = await startTestHub(shared);
    hubs.push(projector);
    const standby = await startTestHub({ ...shared, env: { ...shared.env, CONCORD_INSTANCE_ID: 'projector-2' } });
    hubs.push(standby);

    await front.post('/v1/events', { events: [created('e1', 'SO-1'), created('e2', 'SO-2')] });
    await projector.settle();
    expect((await front.get('/v1/entities/order/SO-2')).body).toMatchObject({ subject: { id: 'SO-2' }, lastPosition: 2 });
    expect((await front.post('/v1/events', created('e3', 'SO-3'))).status).toBe(200);

    const fromProjector = (await projector.get('/v1/projections')).body.projections[0];
    expect(fromProjector).toMatchObject({ name: 'entity-view', state: 'running', projector: { instance: 'projector-1', thisInstance: true } });
    const fromStandby = (await standby.get('/v1/projections')).body.projections[0];
    expect(fromStandby).toMatchObject({ name: 'entity-view', state: 'running', projector: { instance: 'projector-1', thisInstance: false } });
    const fromFront = (await front.get('/v1/projections')).body.projections[0];
    expect(fromFront).toMatchObject({ state: 'running', projector: { instance: 'projector-1', thisInstance: false } });

    const refused = await standby.app.inject({ method: 'POST', url: '/v1/projections/entity-view/rebuild', headers: authHeader() });
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body).message).toBe('projection entity-view is run by instance projector-1, not by this one (projector-2); send this to that instance');
    const notProjecting = await front.app.inject({ method: 'POST', url: '/v1/projections/entity-view/resume', headers: authHeader() });
    expect(notProjecting.statusCode).toBe(409);
    expect(JSON.parse(notProjecting.body).message).toMatch(/does not run projections/);
    // The projector itself takes no events and serves no entity reads.
    expect((await projector.post('/v1/events', created('e4', 'SO-4'))).status).toBe(404);
    expect((await projector.get('/v1/entities/order/SO-1')).status).toBe(404);
  });
});

/** The settings that make another instance share the first one's read models. */
function pick(config: TestHub['config']): Record<string, string> {
  const env: Record<string, string> = { CONCORD_READ_MODELS: config.CONCORD_READ_MODELS, CONCORD_POSTGRES_SCHEMA: config.CONCORD_POSTGRES_SCHEMA };
  if (config.CONCORD_POSTGRES_URL) env.CONCORD_POSTGRES_URL = config.CONCORD_POSTGRES_URL;
  return env;
}
