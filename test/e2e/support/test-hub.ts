import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, SeededIds } from '@concord/common';
import { dropPostgresSchema, noticePostgresSkipped, postgresTestUrl } from '@concord/projections/testing';
import { loadConfig, type ConcordConfig } from '../../../apps/hub/src/config/concord-config';
import { createHubApp } from '../../../apps/hub/src/create-hub-app';
import { ProjectionsService } from '../../../apps/hub/src/projections/projections.service';
import { authHeader, TEST_SECURITY_ENV } from './auth';

export interface TestHub {
  readonly app: NestFastifyApplication;
  readonly clock: ManualClock;
  readonly dataDir: string;
  readonly config: ConcordConfig;
  post(url: string, body: unknown): Promise<{ status: number; body: any }>;
  get(url: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Record<string, unknown> }>;
  /** Waits until every projection has applied the whole log. */
  settle(): Promise<void>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export type TestReadModels = 'sqlite' | 'postgres';

/**
 * The read-model stores e2e suites run against: SQLite always, PostgreSQL when
 * CONCORD_POSTGRES_URL is set (`npm run test:postgres`); a visible notice otherwise.
 */
export function testReadModelBackends(suite: string): TestReadModels[] {
  if (postgresTestUrl()) return ['sqlite', 'postgres'];
  noticePostgresSkipped(suite);
  return ['sqlite'];
}

/**
 * The real hub (Fastify, Nest, SQLite files) on a temporary data dir, with a manual clock and seeded ids.
 * `readModels: 'postgres'` puts its read models in a PostgreSQL schema of its own (dropped on close).
 */
export async function startTestHub(
  options: { dataDir?: string; clock?: ManualClock; env?: Record<string, string>; readModels?: TestReadModels } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'concord-e2e-'));
  const clock = options.clock ?? new ManualClock('2026-11-21T10:00:00.000Z');
  const postgres = options.readModels === 'postgres' ? postgresEnv() : undefined;
  const config = loadConfig({ CONCORD_DATA_DIR: dataDir, CONCORD_LOG_LEVEL: 'error', ...TEST_SECURITY_ENV, ...postgres, ...options.env });
  const app = await createHubApp(config, { clock, ids: new SeededIds(7) });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    clock,
    dataDir,
    config,
    async post(url, body) {
      const response = await app.inject({ method: 'POST', url, payload: body as object, headers: { 'content-type': 'application/json', ...authHeader() } });
      return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
    },
    async get(url, headers = {}) {
      const response = await app.inject({ method: 'GET', url, headers: { ...authHeader(), ...headers } });
      const isJson = String(response.headers['content-type'] ?? '').includes('json');
      return { status: response.statusCode, body: isJson ? JSON.parse(response.body) : undefined, text: response.body, headers: response.headers };
    },
    async settle() {
      const projections = app.get(ProjectionsService);
      const head = Math.max(0, ...(await projections.statuses()).map((s) => s.headPosition));
      await projections.waitForAll(head);
    },
    async close({ keepData = false } = {}) {
      await app.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (!keepData && postgres) await dropPostgresSchema(postgres.CONCORD_POSTGRES_URL, postgres.CONCORD_POSTGRES_SCHEMA);
    },
  };
}

function postgresEnv() {
  const url = postgresTestUrl();
  if (!url) throw new Error('readModels: postgres needs CONCORD_POSTGRES_URL (npm run test:postgres)');
  return { CONCORD_READ_MODELS: 'postgres', CONCORD_POSTGRES_URL: url, CONCORD_POSTGRES_SCHEMA: `concord_e2e_${randomBytes(6).toString('hex')}` };
}
