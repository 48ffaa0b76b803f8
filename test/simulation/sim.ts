/**
 * npm run sim -- [--runs N] [--seed S] [--path P] [--replay-path R] [--max-commands M]
 *
 * Long soaks of the deterministic simulation (the same property `npm test` runs 200 times).
 * Runs go in rounds of 1,000, each with its own seed (the first is --seed, or random), so a
 * soak shows progress and any failure names the one seed and path that replay it.
 */
import 'reflect-metadata';
import { runSimulation } from './simulation';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function numberOption(name: string, fallback: number | undefined): number | undefined {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  return value;
}

const ROUND = 1000;

async function main(): Promise<void> {
  const runs = numberOption('runs', 1000)!;
  const firstSeed = numberOption('seed', undefined);
  const path = option('path');
  const replayPath = option('replay-path');
  const maxCommands = numberOption('max-commands', undefined);
  const started = Date.now();
  let done = 0;
  for (let round = 0; done < runs; round++) {
    const size = Math.min(ROUND, runs - done);
    // Round n's seed follows from the first one, so a whole soak is reproducible from --seed alone.
    const seed = firstSeed !== undefined ? (firstSeed + round) >>> 0 : undefined;
    const outcome = await runSimulation({
      runs: size,
      ...(seed !== undefined ? { seed } : {}),
      ...(path ? { path } : {}),
      ...(replayPath ? { replayPath } : {}),
      ...(maxCommands !== undefined ? { maxCommands } : {}),
    });
    done += outcome.runs;
    if (!outcome.ok) {
      console.error(outcome.report);
      process.exitCode = 1;
      return;
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`${done.toLocaleString('en-US')} / ${runs.toLocaleString('en-US')} runs passed (round seed ${outcome.seed}; ${seconds.toFixed(0)} s, ${(done / seconds).toFixed(1)} runs/s)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
