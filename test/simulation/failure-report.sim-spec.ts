import type { SimulationModel } from './model';
import { runSimulation } from './simulation';

/**
 * The harness itself: a failing run must print its seed and a replay command, and that command must
 * fail again, the same way, on the same shrunk commands. A failure is planted (a check that no run may
 * store three events), since the hub gives none.
 */
describe('deterministic simulation: a failure can be replayed from what it prints', () => {
  const planted = (model: SimulationModel): void => {
    if (model.head >= 3) throw new Error(`planted failure: the log holds ${model.head} events`);
  };
  const SEED = 20261122;

  it('prints the seed, path and replay path, and replaying them fails on the same counterexample', async () => {
    const failed = await runSimulation({ runs: 100, seed: SEED, maxCommands: 8, plantedCheck: planted });
    expect(failed.ok).toBe(false);
    expect(failed.seed).toBe(SEED);
    const report = failed.report!;
    expect(report).toContain(`simulation failed: seed ${SEED}, path `);
    expect(report).toContain('planted failure: the log holds');

    const replay = /^replay it with: npm run sim -- --seed (\d+) --path (\S+) --replay-path '([^']+)' --max-commands (\d+) --runs 1$/m.exec(report);
    expect(replay).not.toBeNull();
    const [, seed, path, replayPath, maxCommands] = replay!;
    expect(Number(seed)).toBe(SEED);

    // What `npm run sim` does with those options (test/simulation/sim.ts passes them through as they are).
    const again = await runSimulation({ runs: 1, seed: Number(seed), path: path!, replayPath: replayPath!, maxCommands: Number(maxCommands), plantedCheck: planted });
    expect(again.ok).toBe(false);
    expect(again.runs).toBe(1);
    const counterexample = (text: string) => /^Counterexample: .*$/m.exec(text)?.[0];
    expect(counterexample(report)).toBeDefined();
    expect(counterexample(again.report!)).toBe(counterexample(report));
  }, 180_000);

  it('passes the same seed without the planted check (the failure was the plant, not the hub)', async () => {
    const outcome = await runSimulation({ runs: 20, seed: SEED, maxCommands: 8 });
    expect(outcome).toMatchObject({ ok: true, seed: SEED, runs: 20 });
  }, 120_000);
});
