import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, SeededIds } from '@concord/common';
import { FakeKurrentClient } from '@concord/event-store/testing';
import { loadConfig } from '../../apps/hub/src/config/concord-config';
import { authHeader, TEST_SECURITY_ENV } from './support/auth';
import { createHubApp } from '../../apps/hub/src/create-hub-app';

const order = {
  id: 'erp-evt-000123',
  source: 'erp',
  type: 'order.created',
  subject: { type: 'order', id: 'SO-1001' },
  occurredAt: '2026-11-21T10:00:00Z',
  data: { customerId: 'C-42', status: 'OPEN', total: { amount: 120.5, currency: 'EUR' } },
};
const badOrder = { ...order, id: 'crm-1', data: { ...order.data, total: { amount: '12', currency: 'EUR' } } };

describe('the hub with CONCORD_EVENT_STORE=kurrentdb', () => {
  let dataDir: string;
  let app: NestFastifyApplication;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'concord-kurrent-e2e-'));
  });

  afterEach(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(body: unknown) {
    return app.inject({ method: 'POST', url: '/v1/events', payload: body as object, headers: authHeader() });
  }

  describe('on the adapter with a fake KurrentDB client (proves the wiring and the adapter, not the server)', () => {
    let client: FakeKurrentClient;

    beforeEach(async () => {
      client = new FakeKurrentClient();
      const config = loadConfig({ CONCORD_EVENT_STORE: 'kurrentdb', CONCORD_KURRENTDB_URL: 'esdb://unused:2113?tls=false', CONCORD_DATA_DIR: dataDir, CONCORD_LOG_LEVEL: 'error', ...TEST_SECURITY_ENV });
      app = await createHubApp(config, { clock: new ManualClock('2026-11-21T10:00:01Z'), ids: new SeededIds(7), kurrentClient: client });
      await app.init();
    });

    it('stores an event once in KurrentDB, answers the retry as a duplicate and reads it back', async () => {
      const first = (await post(order)).json();
      const again = (await post(order)).json();

      expect(first.results[0]).toMatchObject({ status: 'appended', stream: 'order-SO-1001', revision: 0 });
      expect(again.results[0]).toEqual({ ...first.results[0], status: 'duplicate' });
      expect(client.records().filter((r) => r.streamId === 'order-SO-1001')).toHaveLength(1);
      const stream = (await app.inject({ method: 'GET', url: '/v1/streams/order-SO-1001', headers: authHeader() })).json();
      expect(JSON.stringify(stream)).toContain('erp-evt-000123');
      const stored = (await app.inject({ method: 'GET', url: '/v1/events/erp-evt-000123', headers: authHeader() })).json();
      expect(stored).toMatchObject({ receivedCount: 2 });
    });

    it('keeps refused input in the local SQLite quarantine, not in KurrentDB', async () => {
      const refused = (await post(badOrder)).json();

      expect(refused.results[0]).toMatchObject({ status: 'rejected', reason: 'contract-violation' });
      expect(existsSync(join(dataDir, 'quarantine.db'))).toBe(true);
      expect(existsSync(join(dataDir, 'events.db'))).toBe(false);
      const quarantine = (await app.inject({ method: 'GET', url: '/v1/quarantine', headers: authHeader() })).json();
      expect(JSON.stringify(quarantine)).toContain('crm-1');
      expect(client.records().some((r) => r.streamId.includes('crm-1'))).toBe(false);
    });

    it('reports healthy through a heartbeat write', async () => {
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(client.records().some((r) => r.streamId === '$concord-heartbeat')).toBe(true);
    });
  });

  describe('with the real client and KurrentDB unreachable', () => {
    beforeEach(async () => {
      const config = loadConfig({ CONCORD_EVENT_STORE: 'kurrentdb', CONCORD_KURRENTDB_URL: 'esdb://127.0.0.1:1?tls=false', CONCORD_DATA_DIR: dataDir, CONCORD_LOG_LEVEL: 'fatal', ...TEST_SECURITY_ENV });
      app = await createHubApp(config);
      await app.init();
    });

    it('answers 503 with Retry-After for events it cannot store, and says why on /health', async () => {
      const response = await post(order);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.json().message).toMatch(/KurrentDB/);

      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(JSON.stringify(health.json())).toMatch(/KurrentDB cannot take writes/);
    });

    it('still refuses and quarantines bad input', async () => {
      const response = await post(badOrder);
      expect(response.statusCode).toBe(200);
      expect(response.json().results[0]).toMatchObject({ status: 'rejected', quarantineId: expect.any(String) });
    });
  });
});
