/**
 * npm run bench:live-projections — what the projections the hub runs live (entity view, audit flows,
 * reconciliation with config/reconciliation.yaml) and the log sealer cost per event, in process.
 *
 * Seeds a log with the ingest benchmark's order mix once, then, per run, starts every projection and
 * the sealer from zero on fresh read-model and seal files, each following the log as the hub does
 * (subscriptions delivering `--batch` events at a time, the size of a live batch under load), and
 * waits until all of them reach the head. No appends run meanwhile, so the CPU measured is the
 * projections' and the sealer's alone: reading and checking events, applying them, committing.
 *
 * Usage: npm run bench:live-projections -- [--events N (100,000)] [--batch B (500)] [--runs R (3)]
 *        [--keep DIR] (seed into DIR once and keep it) [--no-feed] (each consumer reads the log on its own)
 *        [--live] (start from an empty log and append the events in groups of --batch while everything
 *        follows; each run is paired with one of the appends alone, and the difference is what the
 *        projections and the sealer cost)
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@concord/common';
import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { LogSealer, SqliteSealStore, loadOrCreateSealKey } from '@concord/audit';
import { SqliteKeyVault } from '@concord/personal-data';
import { SharedLogFeed, SqliteReadModelStore } from '@concord/projections';
import { hubProjections } from '../apps/hub/src/projections/hub-projections';
import { liveProjectionRunners } from '../apps/hub/src/projections/projections.service';
import { reconciliationRulesFor } from '../apps/hub/src/reconciliation/reconciliation-rules';
import { reportFigures } from './support/figures';
import { appendInGroups } from './support/seed-log';
import { machineFacts } from './support/machine';
import { median } from './support/stats';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const ORDERS = 20_000;
const CLIENTS = 8;

/** The ingest benchmark's mix (bench/support/load-generator.ts): one order.created for three status changes, from the ERP. */
function envelope(i: number): EventEnvelope {
  const client = i % CLIENTS;
  const sequence = Math.floor(i / CLIENTS);
  const order = (sequence * 7919 + client * 104_729) % ORDERS;
  const base = {
    id: `live-${client}-${sequence}`,
    schemaVersion: 1,
    source: 'erp',
    subject: { type: 'order', id: `SO-${order}` },
    occurredAt: '2026-11-21T10:00:00Z',
    sourceSequence: sequence,
    correlationId: `flow-${order}`,
  };
  return sequence % 4 === 0
    ? { ...base, type: 'order.created', data: { customerId: `C-${order % 997}`, status: 'OPEN', total: { amount: (order % 1000) + 0.5, currency: 'EUR' } } }
    : { ...base, type: 'order.status-changed', data: { status: `S${sequence % 5}`, reason: `step ${sequence % 7}` } };
}

async function seed(file: string, count: number): Promise<void> {
  const store = SqliteEventStore.open(file, { synchronous: 'OFF', maxEventsPerCommit: 10_000 });
  await appendInGroups(store, envelope, 0, count, 10_000);
  await store.close();
}

interface Run {
  readonly seconds: number;
  readonly cpuMicrosPerEvent: number;
}

interface RunPlan {
  readonly batch: number;
  /** Live: the log starts empty and `events` are appended while everything follows; otherwise it is seeded before. */
  readonly live?: { readonly events: number; readonly consumers: boolean };
}

async function run(dir: string, registry: ContractRegistry, plan: RunPlan, index: number): Promise<Run> {
  const batch = plan.batch;
  const logFile = plan.live ? join(dir, `live-events-${index}.db`) : join(dir, 'events.db');
  const store = SqliteEventStore.open(logFile);
  const readModelsFile = join(dir, `read-models-${index}.db`);
  const sealsFile = join(dir, `seals-${index}.db`);
  const readModels = SqliteReadModelStore.open(readModelsFile);
  const keys = SqliteKeyVault.open(join(dir, 'keys.db'));
  const seals = SqliteSealStore.open(sealsFile);
  const sealer = new LogSealer(store, seals, loadOrCreateSealKey(join(dir, 'seal.key')).key, systemClock, 1000);
  try {
    const head = plan.live ? plan.live.events : await store.headPosition();
    const projections = hubProjections(registry, { reconciliationRules: reconciliationRulesFor({ CONCORD_RECONCILIATION_RULES: '' }) });
    // As the hub: one shared read of the log for every runner (--no-feed: each reads on its own, as before); the sealer reads stored hashes only.
    const feed = process.argv.includes('--no-feed') ? store : new SharedLogFeed({ store, batchSize: batch });
    const runners = liveProjectionRunners(projections, { store, feed, readModels, clock: systemClock, registry, keys, batchSize: batch });
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const subscription = store.subscribeToHashes({ after: 0, batchSize: 20_000 });
    const sealing = (async () => {
      for await (const events of subscription) {
        await sealer.fold(events);
        if (events.at(-1)!.position >= head) break;
      }
    })();
    if (plan.live && !plan.live.consumers) subscription.close();
    if (!plan.live || plan.live.consumers) for (const runner of runners) await runner.start();
    if (plan.live) await appendInGroups(store, envelope, 0, plan.live.events, batch);
    if (!plan.live || plan.live.consumers) await Promise.all([...runners.map((runner) => runner.waitFor(head, 600_000)), sealing]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    for (const runner of runners) await runner.stop();
    subscription.close();
    const result = { seconds, cpuMicrosPerEvent: (cpu.user + cpu.system) / head };
    console.log(
      `run ${index}${plan.live ? (plan.live.consumers ? ' (live)' : ' (live, appends alone)') : ''}: ${runners.length} projections + sealer over ${head.toLocaleString('en-US')} events in batches of ${batch}: ${seconds.toFixed(2)} s = ${Math.round(head / seconds).toLocaleString('en-US')} events/s, ${result.cpuMicrosPerEvent.toFixed(1)} CPU µs/event, load ${loadavg()[0]!.toFixed(1)}`,
    );
    return result;
  } finally {
    await readModels.close();
    await seals.close();
    await keys.close();
    await store.close();
    rmSync(readModelsFile, { force: true });
    rmSync(sealsFile, { force: true });
    if (plan.live) for (const suffix of ['', '-wal', '-shm']) rmSync(`${logFile}${suffix}`, { force: true });
  }
}

async function main(): Promise<void> {
  const events = option('events', 100_000);
  const batch = option('batch', 500);
  const runs = option('runs', 3);
  const keepIndex = process.argv.indexOf('--keep');
  const kept = keepIndex > 0 ? process.argv[keepIndex + 1] : undefined;
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'concord-bench-live-'));
  try {
    const live = process.argv.includes('--live');
    if (!live && !existsSync(join(dir, 'events.db'))) {
      mkdirSync(dir, { recursive: true });
      await seed(join(dir, 'events.db'), events);
    }
    const registry = new ContractRegistry(exampleContracts);
    const results: Run[] = [];
    const alone: Run[] = [];
    for (let index = 1; index <= runs; index++) {
      if (live) alone.push(await run(dir, registry, { batch, live: { events, consumers: false } }, index));
      results.push(await run(dir, registry, live ? { batch, live: { events, consumers: true } } : { batch }, index));
    }
    if (live) {
      const appends = median(alone.map((r) => r.cpuMicrosPerEvent));
      const total = median(results.map((r) => r.cpuMicrosPerEvent));
      console.log(`\nlive, appends in groups of ${batch}: appends alone ${appends.toFixed(1)} CPU µs/event, with projections + sealer ${total.toFixed(1)}: they cost ${(total - appends).toFixed(1)} µs/event`);
    }
    const cpu = median(results.map((r) => r.cpuMicrosPerEvent));
    const rate = events / median(results.map((r) => r.seconds));
    console.log(`\nlive projections + sealer, batches of ${batch}: median ${cpu.toFixed(1)} CPU µs/event, ${Math.round(rate).toLocaleString('en-US')} events/s over ${runs} runs`);
    reportFigures([{ bench: 'live-projections', scenario: `hub's live projections + sealer, batches of ${batch}`, eventsPerSecond: rate, note: `${cpu.toFixed(1)} CPU µs/event, in process` }]);
    console.log(JSON.stringify(machineFacts(dir)));
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
