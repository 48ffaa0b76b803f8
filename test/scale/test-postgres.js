#!/usr/bin/env node
// `npm run test:postgres`: the read-model suites (contract, runner, leases, entity views, roles
// e2e, projector failover across processes) against a real PostgreSQL server. Uses
// CONCORD_POSTGRES_URL, or else the first local server that answers; fails loudly (never skips)
// when none does. Extra arguments go to jest.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { Client } = require('pg');

const SUITES = ['libs/projections/src', 'apps/hub/src/entities', 'apps/hub/src/flows', 'test/e2e/entities', 'test/e2e/roles', 'test/e2e/stuck-flows', 'test/scale'];
const CANDIDATES = process.env.CONCORD_POSTGRES_URL
  ? [process.env.CONCORD_POSTGRES_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

const redact = (url) => url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');

async function reachable(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query('SELECT version()');
    return { ok: true, version: rows[0].version };
  } catch (error) {
    return { ok: false, reason: error.message || String(error.code || error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

(async () => {
  const tried = [];
  let url;
  for (const candidate of CANDIDATES) {
    const result = await reachable(candidate);
    if (result.ok) {
      url = candidate;
      console.log(`test:postgres: using ${redact(candidate)} (${result.version})`);
      break;
    }
    tried.push(`  ${redact(candidate)}: ${result.reason}`);
  }
  if (!url) {
    console.error(
      `test:postgres: FAILED: no PostgreSQL server reachable, so the PostgreSQL suites cannot run.\n${tried.join('\n')}\n` +
        'Start PostgreSQL (trust auth on 127.0.0.1:5432, database test) or set CONCORD_POSTGRES_URL.',
    );
    process.exit(1);
  }
  const jest = join(__dirname, '..', '..', 'node_modules', 'jest', 'bin', 'jest.js');
  const run = spawnSync(process.execPath, [jest, ...SUITES, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CONCORD_POSTGRES_URL: url },
  });
  process.exit(run.status ?? 1);
})();
