/**
 * `npm run bench:verify [-- --events 1000000 --runs 5 --threads 1,2 --fresh]`
 *
 * Builds (once; kept in the temp directory and reused) a SQLite event log of N events in 10,000 streams,
 * written through SqliteEventStore like the hub writes, sealed every 1,000 events by the hub's LogSealer;
 * then times `verifyLog` (what `npm run concord -- verify` runs) several times per thread count and prints
 * medians. Every run must report the log intact with exactly N events, or the benchmark fails.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '@concord/common';
import { SqliteEventStore, type AppendRequest } from '@concord/event-store';
import { allSeals, LogSealer, publicKeyFromPem, publicKeysOf, SqliteSealStore, verifyLog } from '@concord/audit';
import { aSealKey } from '@concord/audit/testing';
import { reportFigures } from './support/figures';
import { machineFacts } from './support/machine';
import { median } from './support/stats';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

const EVENTS = Number(option('events', '1000000'));
const RUNS = Number(option('runs', '5'));
const THREADS = option('threads', '1,2').split(',').map(Number);
const STREAMS = 10_000;
const DIR = join(tmpdir(), `concord-bench-verify-${EVENTS}`);

async function build(): Promise<void> {
  if (process.argv.includes('--fresh')) rmSync(DIR, { recursive: true, force: true });
  const logFile = join(DIR, 'events.db');
  if (existsSync(join(DIR, 'ready'))) {
    console.log(`reusing the log in ${DIR}`);
    return;
  }
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const clock = new ManualClock('2026-11-22T00:00:00Z');
  const store = SqliteEventStore.open(logFile, { clock, synchronous: 'OFF', maxEventsPerCommit: 10_000 });
  const started = performance.now();
  let written = 0;
  while (written < EVENTS) {
    const requests: AppendRequest[] = [];
    for (let r = 0; r < 100 && written < EVENTS; r++) {
      const stream = (written / 10) % STREAMS;
      const events = [];
      for (let e = 0; e < 10 && written < EVENTS; e++, written++) {
        events.push({
          envelope: {
            id: `bench-${written}`,
            source: written % 3 === 0 ? 'erp' : 'crm',
            type: 'order.created',
            schemaVersion: 1,
            subject: { type: 'order', id: `SO-${stream}` },
            occurredAt: '2026-11-22T00:00:00Z',
            correlationId: `flow-${stream}`,
            data: { customerId: `C-${written % 977}`, status: 'OPEN', total: { amount: (written % 10_000) / 100, currency: 'EUR' }, lines: [{ sku: `SKU-${written % 131}`, quantity: 1 + (written % 5) }] },
          },
          transport: { kind: 'http' as const, requestId: `req-${written}`, credential: 'key:bench' },
        });
      }
      requests.push({ stream: `order-SO-${stream}`, events });
    }
    clock.advance(1);
    const results = await store.appendMany(requests);
    if (results.some((result) => !result.ok)) throw new Error('an append was refused');
    if (written % 100_000 === 0) process.stdout.write(`  written ${written.toLocaleString('en-US')} events\n`);
  }
  console.log(`wrote ${EVENTS.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const seals = SqliteSealStore.open(join(DIR, 'seals.db'), { synchronous: 'NORMAL' });
  const key = aSealKey();
  const sealing = performance.now();
  await new LogSealer(store, seals, key, clock, 1000).catchUpNow();
  console.log(`sealed every 1,000 events in ${((performance.now() - sealing) / 1000).toFixed(1)} s`);
  await seals.close();
  await store.close();
  // The key is kept beside the log so later runs check the same seals.
  writeFileSync(join(DIR, 'seal.pub.pem'), key.publicKey.export({ format: 'pem', type: 'spki' }));
  writeFileSync(join(DIR, 'ready'), new Date().toISOString());
}

async function main(): Promise<void> {
  await build();
  const keys = publicKeysOf([publicKeyFromPem(readFileSync(join(DIR, 'seal.pub.pem'), 'utf8'))]);
  const sealStore = SqliteSealStore.open(join(DIR, 'seals.db'), { readonly: true });
  const seals = await allSeals(sealStore);
  await sealStore.close();
  console.log(`machine: ${JSON.stringify(machineFacts(DIR))}`);
  console.log(`log: ${EVENTS.toLocaleString('en-US')} events, ${STREAMS.toLocaleString('en-US')} streams, ${seals.length} seals; ${RUNS} runs per thread count`);
  const rows: string[] = [];
  const figures = [];
  for (const threads of THREADS) {
    const rates: number[] = [];
    const loads: number[] = [];
    const cpuPerEvent: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      loads.push(loadavg()[0]!);
      const started = performance.now();
      const cpu = process.cpuUsage();
      const report = await verifyLog({ log: { kind: 'sqlite-file', file: join(DIR, 'events.db') }, seals, keys, threads });
      const seconds = (performance.now() - started) / 1000;
      // process.cpuUsage covers every thread of the process, the workers included.
      const used = process.cpuUsage(cpu);
      cpuPerEvent.push((used.user + used.system) / EVENTS);
      if (!report.ok || report.events !== EVENTS || report.seals.matched !== seals.length) throw new Error(`verification did not come out clean: ${JSON.stringify(report)}`);
      rates.push(EVENTS / seconds);
      console.log(`  threads=${threads} run ${run + 1}: ${seconds.toFixed(2)} s, ${Math.round(EVENTS / seconds).toLocaleString('en-US')} events/s, CPU ${cpuPerEvent.at(-1)!.toFixed(2)} µs/event (load average ${loadavg()[0]!.toFixed(1)})`);
    }
    const sorted = [...rates].sort((a, b) => a - b);
    const mid = median(rates);
    const cpuMedian = median(cpuPerEvent);
    rows.push(
      `| ${threads} | ${Math.round(mid).toLocaleString('en-US')} | ${Math.round(sorted[0]!).toLocaleString('en-US')} … ${Math.round(sorted.at(-1)!).toLocaleString('en-US')} | ${(EVENTS / mid).toFixed(2)} s | ${cpuMedian.toFixed(2)} µs | ${Math.round((Math.min(threads, cpus().length) * 1e6) / cpuMedian).toLocaleString('en-US')} | ${median(loads).toFixed(1)} |`,
    );
    figures.push({ bench: 'verify', scenario: `${EVENTS.toLocaleString('en-US')} events, ${threads} worker thread(s)`, eventsPerSecond: Math.round(mid), note: `median of ${RUNS}; chains + digest + ${seals.length} seals` });
  }
  console.log(
    '\n| worker threads | median events/s | min … max | median time | CPU per event (all threads) | events/s if the threads had their cores to themselves (estimate) | load average (1 min) at start |\n|---|---|---|---|---|---|---|',
  );
  for (const row of rows) console.log(row);
  reportFigures(figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
