import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { systemClock } from '@concord/common';
import type { ContractRegistry } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { SqliteKeyVault } from '@concord/personal-data';
import { ProjectionRunner, SqliteReadModelStore, type ProjectionDefinition, type ReadModelStore } from '@concord/projections';
import { prepareForReading } from '../../apps/hub/src/projections/projections.service';

export interface RebuildRun {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU per event is steadier than events/s on a shared machine: it does not count time spent waiting for a core. */
  readonly cpuMicrosPerEvent: number;
}

/**
 * One timed rebuild from zero of a projection over a stored log, in process, into a fresh
 * SQLite read-model file (deleted afterwards); `inspect` may read the result before that.
 */
export async function timedRebuild(
  projection: ProjectionDefinition,
  options: { logFile: string; readModelsFile: string; keysFile: string; registry: ContractRegistry; run: number; batchSize?: number; inspect?: (readModels: ReadModelStore) => Promise<void> },
): Promise<RebuildRun> {
  const store = SqliteEventStore.open(options.logFile);
  const readModels = SqliteReadModelStore.open(options.readModelsFile);
  const keys = SqliteKeyVault.open(options.keysFile);
  try {
    const runner = new ProjectionRunner(projection, { store, readModels, clock: systemClock, prepare: prepareForReading(options.registry, keys), batchSize: options.batchSize ?? 5000 });
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await runner.resetToZero();
    const events = await runner.catchUp();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const run = { events, seconds, eventsPerSecond: events / seconds, cpuMicrosPerEvent: (cpu.user + cpu.system) / events };
    console.log(
      `run ${options.run}: ${events.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s = ${Math.round(run.eventsPerSecond).toLocaleString('en-US')} events/s, ${run.cpuMicrosPerEvent.toFixed(1)} CPU µs/event, load ${loadavg()[0]!.toFixed(1)}`,
    );
    await options.inspect?.(readModels);
    return run;
  } finally {
    await readModels.close();
    await store.close();
    await keys.close();
    rmSync(options.readModelsFile, { force: true });
  }
}
