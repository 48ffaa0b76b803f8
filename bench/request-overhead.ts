/**
 * What one request costs the hub's process in CPU, without TCP: 64 concurrent
 * callers of Fastify's `inject` for 3 s each against a trivial route (GET /health,
 * which also commits a heartbeat), a one-row read (GET /v1/events/:id) and a
 * one-event POST. SQLite runs with synchronous=NORMAL here so that fsync
 * waits do not hide CPU cost. Not a test; numbers go to bench/RESULTS.md.
 *
 *   node -r @swc-node/register bench/request-overhead.ts [thread|inline]
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../apps/hub/src/config/concord-config';
import { createHubApp } from '../apps/hub/src/create-hub-app';

async function main() {
  const config = loadConfig({ CONCORD_DATA_DIR: mkdtempSync(join(tmpdir(), 'inj-')), CONCORD_SQLITE_SYNCHRONOUS: 'NORMAL', CONCORD_LOG_LEVEL: 'warn', CONCORD_SQLITE_WRITER: process.argv[2] ?? 'thread' });
  console.log(`writer: ${config.CONCORD_SQLITE_WRITER}`);
  const app = await createHubApp(config);
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  let n = 0;
  const body = (i: number) => `{"id":"inj-${i}","source":"erp","subject":{"type":"order","id":"SO-${i % 500}"},"occurredAt":"2026-11-21T10:00:00Z","sourceSequence":${i},"type":"order.status-changed","data":{"status":"S1","reason":"x"}}`;
  for (const [label, make] of [
    ['GET /health', () => ({ method: 'GET' as const, url: '/health' })],
    ['GET /v1/events/inj-1', () => ({ method: 'GET' as const, url: '/v1/events/inj-1' })],
    ['POST one event', () => ({ method: 'POST' as const, url: '/v1/events', payload: body(n++), headers: { 'content-type': 'application/json' } })],
  ] as const) {
    for (let round = 0; round < 2; round++) {
      const c0 = process.cpuUsage(); const t0 = Date.now(); let done = 0;
      await Promise.all(Array.from({ length: 64 }, async () => { while (Date.now() - t0 < 3000) { const r = await fastify.inject(make()); if (r.statusCode >= 500) throw new Error(r.body); done++; } }));
      const c = process.cpuUsage(c0);
      console.log(label, `${Math.round(done / 3)} req/s`, `${Math.round((c.user + c.system) / done)} µs CPU/req (process, incl. writer thread)`);
    }
  }
  await app.close();
}
void main();
