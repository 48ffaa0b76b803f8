import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { ManualClock } from '@concord/common';
import { simulationCommands, type Real } from './commands';
import { assertFinalInvariants } from './invariants';
import { SimulationModel } from './model';
import { SimulatedHub, type WriterMode } from './simulated-hub';

export interface SimulationOptions {
  readonly runs: number;
  /** fast-check's seed; random when absent (and printed either way). */
  readonly seed?: number;
  /** fast-check's path of a failure to replay (with its seed). */
  readonly path?: string;
  /** The commands' replay path of a failure, printed with it, to replay the shrunk command list. */
  readonly replayPath?: string;
  readonly maxCommands?: number;
  /**
   * One more check after each run's invariants. Only the harness's own spec sets it: it plants a failure
   * to prove that a failing run prints its seed and a replay command that fails the same way.
   */
  readonly plantedCheck?: (model: SimulationModel) => void;
}

export interface SimulationOutcome {
  readonly ok: boolean;
  readonly seed: number;
  readonly runs: number;
  /** On failure: the report with the shrunk counterexample and the command that replays it. */
  readonly report?: string;
}

// The sweepers log what they state through Nest's Logger: thousands of lines in a soak, and no verdict.
Logger.overrideLogger(['error']);

/**
 * Where runs keep their files: memory-backed (/dev/shm) when the machine has it. Crashes here are
 * in-process, so what the disk does on fsync adds nothing but minutes (≈ 5x slower on this machine's
 * virtual disk); CONCORD_SIM_DIR chooses another place.
 */
const RUN_ROOT = process.env.CONCORD_SIM_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

/**
 * One run: a fresh hub on a temporary directory with a manual clock (virtual time), the writer mode
 * drawn like everything else, then the commands against the model, then the final invariants.
 */
function simulationProperty(options: SimulationOptions) {
  const commands = fc.commands(simulationCommands(), {
    // 'medium': runs of ≈ 30 commands on average (fast-check's default gives ≈ 5, too short to build history).
    size: 'medium',
    maxCommands: options.maxCommands ?? 50,
    ...(options.replayPath ? { replayPath: options.replayPath } : {}),
  });
  const writer = fc.oneof({ weight: 3, arbitrary: fc.constant<WriterMode>('inline') }, { weight: 1, arbitrary: fc.constant<WriterMode>('thread') });
  return fc.asyncProperty(writer, fc.nat(), commands, async (writerMode, idSeed, cmds) => {
    const dir = mkdtempSync(join(RUN_ROOT, 'concord-sim-'));
    const clock = new ManualClock('2026-11-21T10:00:00.000Z');
    const model = new SimulationModel();
    const real: Real = { hub: await SimulatedHub.open({ dir, clock, writer: writerMode, seed: idSeed }), clock, restarts: 0 };
    try {
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      await assertFinalInvariants(model, real.hub, clock);
      options.plantedCheck?.(model);
    } finally {
      await real.hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationOutcome> {
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x1_0000_0000)) >>> 0;
  const details = await fc.check(simulationProperty(options), {
    numRuns: options.runs,
    seed,
    ...(options.path ? { path: options.path } : {}),
    // A simulation run takes tens of milliseconds; fast-check's per-run timeout stays off, jest's applies.
  });
  if (!details.failed) return { ok: true, seed, runs: details.numRuns };
  const replayPath = /replayPath="([^"]*)"/.exec(String(details.counterexample?.[2]))?.[1];
  const replay = [
    'npm run sim --',
    `--seed ${details.seed}`,
    `--path ${details.counterexamplePath ?? ''}`,
    ...(replayPath ? [`--replay-path '${replayPath}'`] : []),
    // The command list is drawn with this bound: a replay without it would draw other commands.
    ...(options.maxCommands !== undefined ? [`--max-commands ${options.maxCommands}`] : []),
    '--runs 1',
  ].join(' ');
  const report = [
    `simulation failed: seed ${details.seed}, path ${details.counterexamplePath}${replayPath ? `, replayPath ${replayPath}` : ''}`,
    `replay it with: ${replay}`,
    '',
    fc.defaultReportMessage(details) ?? '',
    '',
    `error: ${details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance)}`,
  ].join('\n');
  return { ok: false, seed: details.seed, runs: details.numRuns, report };
}
