import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, SeededIds } from '@concord/common';
import { loadConfig } from '../../../apps/hub/src/config/concord-config';
import { createHubApp } from '../../../apps/hub/src/create-hub-app';
import { authHeader, TEST_SECURITY_ENV } from './auth';

export interface InjectedResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  readonly body: any;
}

export interface HubUnderTest {
  readonly app: NestFastifyApplication;
  readonly clock: ManualClock;
  readonly dataDir: string;
  post(url: string, payload: unknown, headers?: Record<string, string>): Promise<InjectedResponse>;
  postRaw(url: string, payload: string | Buffer, headers?: Record<string, string>): Promise<InjectedResponse>;
  get(url: string): Promise<InjectedResponse>;
  /** Stops the app; the data directory stays until `destroy`. */
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'concord-e2e-'));
}

/** The real hub (Fastify, Nest, SQLite on a temp directory) with a manual clock and seeded ids. */
export async function startHub(options: { dataDir?: string; clock?: ManualClock; seed?: number; env?: Record<string, string> } = {}): Promise<HubUnderTest> {
  const dataDir = options.dataDir ?? tempDataDir();
  const clock = options.clock ?? new ManualClock('2026-11-21T10:00:00.000Z');
  const config = loadConfig({ CONCORD_DATA_DIR: dataDir, CONCORD_LOG_LEVEL: 'fatal', ...TEST_SECURITY_ENV, ...options.env });
  const app = await createHubApp(config, { clock, ids: new SeededIds(options.seed ?? 1) });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  let closed = false;

  const inject = async (method: 'GET' | 'POST', url: string, payload?: string | Buffer, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method, url, payload, headers: { ...authHeader(), ...headers } });
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, headers: response.headers, text: response.body, body } as InjectedResponse;
  };

  const hub: HubUnderTest = {
    app,
    clock,
    dataDir,
    post: (url, payload, headers) => inject('POST', url, JSON.stringify(payload), { 'content-type': 'application/json', ...headers }),
    postRaw: (url, payload, headers) => inject('POST', url, payload, headers),
    get: (url) => inject('GET', url),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
    destroy: async () => {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return hub;
}

/** A valid `order.created` envelope; override what the test is about. */
export function orderCreated(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    source: 'erp',
    type: 'order.created',
    subject: { type: 'order', id: 'SO-1001' },
    occurredAt: '2026-11-21T10:00:00Z',
    data: { customerId: 'C-42', status: 'OPEN', total: { amount: 120.5, currency: 'EUR' } },
    ...overrides,
  };
}

export function statusChanged(id: string, orderId: string, status: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    source: 'erp',
    type: 'order.status-changed',
    subject: { type: 'order', id: orderId },
    occurredAt: '2026-11-21T11:00:00Z',
    data: { status },
    ...overrides,
  };
}
