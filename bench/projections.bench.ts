/**
 * npm run bench:projections — rebuild of the entity view over N stored events
 * (default 1,000,000: 200,000 orders × 5 events from 3 sources).
 * Usage: npm run bench:projections -- [--events N] [--runs R] [--keep DIR]
 * (--keep: seed into DIR once and keep it, so repeated runs skip seeding).
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@concord/common';
import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { ProjectionRunner, SqliteReadModelStore } from '@concord/projections';
import { SqliteKeyVault } from '@concord/personal-data';
import { entityViewProjection } from '../apps/hub/src/entities/entity-view.projection';
import { prepareForReading } from '../apps/hub/src/projections/projections.service';
import { reportFigures } from './support/figures';
import { appendInGroups } from './support/seed-log';
import { machineFacts } from './support/machine';
import { median } from './support/stats';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const SOURCES = ['erp', 'crm', 'billing'];

function envelope(i: number): EventEnvelope {
  const order = `SO-${Math.floor(i / 5)}`;
  const source = SOURCES[i % 3]!;
  const first = i % 5 < 3;
  return {
    id: `bench-${i}`,
    source,
    type: first ? 'order.created' : 'order.status-changed',
    schemaVersion: 1,
    subject: { type: 'order', id: order },
    occurredAt: '2026-11-21T09:00:00Z',
    sourceSequence: i,
    data: first ? { customerId: `C-${i % 997}`, status: 'OPEN', total: { amount: i % 1000, currency: 'EUR' } } : { status: i % 2 ? 'done' : 'shipped' },
  };
}

async function seed(file: string, count: number): Promise<void> {
  const store = SqliteEventStore.open(file, { synchronous: 'OFF', maxEventsPerCommit: 10_000 });
  const started = Date.now();
  await appendInGroups(store, envelope, 0, count, 10_000);
  await store.close();
  console.log(`seeded ${count.toLocaleString('en-US')} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const events = flag('events', 1_000_000);
  const runs = flag('runs', 3);
  const keepIndex = process.argv.indexOf('--keep');
  const kept = keepIndex > 0 ? process.argv[keepIndex + 1] : undefined;
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'concord-bench-proj-'));
  try {
    const logFile = join(dir, 'events.db');
    if (!existsSync(logFile)) {
      mkdirSync(dir, { recursive: true });
      await seed(logFile, events);
    }
    const registry = new ContractRegistry(exampleContracts);
    const rates: number[] = [];
    const cpuPerEvent: number[] = [];
    for (let run = 1; run <= runs; run++) {
      const store = SqliteEventStore.open(logFile);
      const readModels = SqliteReadModelStore.open(join(dir, `read-models-${run}.db`));
      const keys = SqliteKeyVault.open(join(dir, 'keys.db'));
      const runner = new ProjectionRunner(entityViewProjection(registry), {
        store,
        readModels,
        clock: systemClock,
        prepare: prepareForReading(registry, keys),
        batchSize: 5000,
      });
      const started = process.hrtime.bigint();
      const cpuBefore = process.cpuUsage();
      await runner.resetToZero();
      const reached = await runner.catchUp();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      // CPU per event is steadier than events/s on a shared machine: it does not count time spent waiting for a core.
      const cpuMicros = (cpu.user + cpu.system) / reached;
      rates.push(reached / seconds);
      cpuPerEvent.push(cpuMicros);
      console.log(
        `run ${run}: ${reached.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s = ${Math.round(reached / seconds).toLocaleString('en-US')} events/s, ${cpuMicros.toFixed(1)} CPU µs/event, load ${loadavg()[0]!.toFixed(1)}`,
      );
      await readModels.close();
      await store.close();
      await keys.close();
      rmSync(join(dir, `read-models-${run}.db`), { force: true });
    }
    console.log(`\nentity-view rebuild, ${events.toLocaleString('en-US')} events: median ${Math.round(median(rates)).toLocaleString('en-US')} events/s over ${runs} runs, median ${median(cpuPerEvent).toFixed(1)} CPU µs/event`);
    reportFigures([
      {
        bench: 'projections',
        scenario: `entity-view rebuild from zero, ${events.toLocaleString('en-US')} events`,
        eventsPerSecond: median(rates),
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        note: `in process, batches of 5,000; ${median(cpuPerEvent).toFixed(1)} CPU µs/event; peak RSS includes seeding`,
      },
    ]);
    console.log(JSON.stringify(machineFacts(dir)));
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
