import { join } from 'node:path';
import type { VerifyReport } from '@concord/audit';
import { inspectLog, type LogReport } from './inspect-log';
import { compareWithRebuild, type RebuildComparison } from './rebuild-check';
import { runVerify } from './verify-cli';

export interface HealthExpectation {
  /** Every id the client was given an acknowledgement for: each must be in the log. */
  readonly acknowledged: Iterable<string>;
  /** How many events the log must hold: with `acknowledged` stored once each, nothing else and nothing twice. */
  readonly events: number;
  /** The settings the hub ran with (the rebuild runs the projections they configure); the fault hub's by default. */
  readonly hubEnv?: Readonly<Record<string, string>>;
}

export interface StoreHealth {
  readonly log: LogReport;
  readonly verify: { readonly exitCode: number; readonly report: VerifyReport };
  readonly rebuild: RebuildComparison;
}

const SHOW_MISSING = 10;

/**
 * The pass criteria every crash-type fault shares, checked on a stopped hub's data directory:
 * every acknowledged event stored, none twice and nothing else (count and ids); positions and stream
 * revisions gap-free and every link intact (the independent inspector); `PRAGMA integrity_check` ok;
 * `concord verify` clean over the whole log; every projection the hub ran has caught up to the head and
 * equals a rebuild from zero, document for document, with none left out of the comparison.
 */
export async function assertStoreHealthy(dataDir: string, expected: HealthExpectation): Promise<StoreHealth> {
  const log = inspectLog(join(dataDir, 'events.db'));
  expect(log.integrity).toEqual(['ok']);
  expect(log.problems).toEqual([]);
  const missing: string[] = [];
  for (const id of expected.acknowledged) {
    if (!log.ids.has(id)) missing.push(id);
    if (missing.length === SHOW_MISSING) break;
  }
  expect({ acknowledgedButNotStored: missing }).toEqual({ acknowledgedButNotStored: [] });
  expect(log.events).toBe(expected.events);

  const verify = await runVerify(dataDir);
  expect(verify.report.broken).toBeUndefined();
  expect(verify).toMatchObject({ exitCode: 0, report: { ok: true, events: log.events, head: log.events } });

  const rebuild = await compareWithRebuild(dataDir, expected.hubEnv);
  expect(rebuild.notRebuilt).toEqual([]);
  expect(rebuild.samples).toEqual([]);
  expect(rebuild.differences).toEqual([]);
  expect(Object.keys(rebuild.checkpoints).length).toBeGreaterThan(0);
  const atHead = Object.fromEntries(Object.keys(rebuild.checkpoints).map((name) => [name, { live: log.events, rebuilt: log.events }]));
  expect(rebuild.checkpoints).toEqual(atHead);
  return { log, verify, rebuild };
}
