import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ApiKeys, type Role } from '@concord/access';
import { loadConfig, type ConcordConfig } from '../../../apps/hub/src/config/concord-config';
import { createHubApp } from '../../../apps/hub/src/create-hub-app';
import type { HubRuntime } from '../../../apps/hub/src/storage/storage.module';

import { authHeader, TEST_ADMIN_KEY, TEST_SECURITY_ENV } from './auth';

export { authHeader, TEST_ADMIN_KEY } from './auth';

/**
 * A configuration for tests: a bootstrap admin key, rate limits off, quiet logs.
 * `env` overrides or adds settings (as strings, like the environment).
 */
export function testConfig(dataDir: string, env: Record<string, string> = {}): ConcordConfig {
  return loadConfig({ CONCORD_DATA_DIR: dataDir, CONCORD_LOG_LEVEL: 'error', ...TEST_SECURITY_ENV, ...env });
}

export interface SecuredHub {
  readonly app: NestFastifyApplication;
  readonly dataDir: string;
  readonly config: ConcordConfig;
  /** `app.inject` with the admin key unless the options carry their own headers' authorization/x-api-key. */
  inject(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  /** Creates a key with that role (and sources, for connectors) and returns the key itself. */
  keyFor(role: Role, sources?: readonly string[]): Promise<string>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts a hub on a fresh (or given) data directory for e2e tests.
 * `inject({ key: null })` sends no key; `inject({ key })` sends that key.
 */
export async function startSecuredHub(options: { dataDir?: string; env?: Record<string, string>; runtime?: HubRuntime } = {}): Promise<SecuredHub> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'concord-e2e-'));
  const config = testConfig(dataDir, options.env);
  const app = await createHubApp(config, options.runtime);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    dataDir,
    config,
    inject: ({ key, ...request }) => {
      const chosen = key === undefined ? TEST_ADMIN_KEY : key;
      const headers = { ...(chosen !== null ? authHeader(chosen) : {}), ...(request.headers ?? {}) };
      return app.inject({ ...request, headers });
    },
    keyFor: async (role, sources) => (await app.get(ApiKeys).create({ role, ...(sources ? { sources } : {}) })).key,
    close: async ({ keepData } = {}) => {
      await app.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
