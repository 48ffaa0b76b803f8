/**
 * One measurement of one system, in a process of its own (so peak RSS is this measurement's):
 *   node -r @swc-node/register bench/peer/peer-run.ts <concord|emmett> <append-1|append-100|seed|project> <events> <dir>
 * Prints one line `RESULT {json}`. `seed` stores the events for `project` (100 per call, not measured).
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import { percentile } from '../support/stats';
import { ConcordSystem } from './concord-system';
import { EmmettSystem, loadEmmett } from './emmett-system';
import { expectedStatusCounts, type PeerSystem } from './workload';

export type SystemName = 'concord' | 'emmett';
/** `idle`: open and close only, for the peak RSS of the loaded process (TypeScript loader included) with no work. */
export type Workload = 'append-1' | 'append-100' | 'seed' | 'project' | 'idle';

export interface PeerResult {
  readonly eventsPerSecond: number;
  /** Per call (append) latency; absent for the projection, which is one catch-up. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly peakRssMiB: number;
  readonly retries: number;
  /** Set when the system did not store or project exactly what it was given. */
  readonly problem?: string;
}

function open(system: SystemName, dir: string): PeerSystem {
  if (system === 'concord') return new ConcordSystem(dir);
  const emmett = loadEmmett();
  if (emmett instanceof Error) throw emmett;
  return new EmmettSystem(emmett, dir);
}

async function appendAll(target: PeerSystem, events: number, perCall: number, latencies?: number[]): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < events; from += perCall) {
    const callStarted = performance.now();
    await target.append(from, Math.min(perCall, events - from));
    latencies?.push(performance.now() - callStarted);
  }
  return (performance.now() - started) / 1000;
}

async function measure(system: SystemName, workload: Workload, events: number, dir: string): Promise<PeerResult> {
  mkdirSync(dir, { recursive: true });
  const target = open(system, dir);
  try {
    await target.warmUp();
    if (workload === 'idle') return { eventsPerSecond: 0, peakRssMiB: peakRssMiB(), retries: 0 };
    if (workload === 'project') {
      const started = performance.now();
      await target.projectStatusCounts(events);
      const seconds = (performance.now() - started) / 1000;
      const counts = await target.statusCounts();
      const expected = expectedStatusCounts(events);
      return {
        eventsPerSecond: events / seconds,
        peakRssMiB: peakRssMiB(),
        retries: target.retries,
        ...(isDeepStrictEqual(counts, expected) ? {} : { problem: `status counts ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}` }),
      };
    }
    const perCall = workload === 'append-1' ? 1 : 100; // `seed` stores like append-100
    const latencies: number[] = [];
    const seconds = await appendAll(target, events, perCall, latencies);
    const stored = await target.storedEvents();
    latencies.sort((a, b) => a - b);
    return {
      eventsPerSecond: events / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      peakRssMiB: peakRssMiB(),
      retries: target.retries,
      ...(stored === events ? {} : { problem: `stored ${stored} events, sent ${events}` }),
    };
  } finally {
    await target.close();
  }
}

/** The process's peak resident set so far (Linux reports maxRSS in KiB). */
function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

if (require.main === module) {
  const [system, workload, events, dir] = process.argv.slice(2);
  measure(system as SystemName, workload as Workload, Number(events), dir!).then(
    (result) => console.log(`RESULT ${JSON.stringify(result)}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
