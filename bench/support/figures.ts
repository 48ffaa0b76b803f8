import { appendFileSync, readFileSync } from 'node:fs';

/** One headline figure of a benchmark, for the table `npm run bench` prints and records. */
export interface BenchFigure {
  readonly bench: string;
  readonly scenario: string;
  readonly eventsPerSecond?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly peakRssMiB?: number;
  /** Anything a reader needs to read the figure right (what was measured, what limited it). */
  readonly note?: string;
}

/** Where `npm run bench` collects figures: a benchmark run on its own reports nothing. */
// Not CONCORD_*: the hub refuses to start with a CONCORD_ variable it does not know, and benchmark hubs inherit the environment.
export const FIGURES_FILE_ENV = 'BENCH_FIGURES_FILE';

/**
 * Hands headline figures to `npm run bench` (one JSON line each, in the file it names in
 * BENCH_FIGURES_FILE). Every benchmark should call this with its medians; one that does not
 * still runs, and the harness quotes the last lines of its output instead.
 */
export function reportFigures(figures: readonly BenchFigure[]): void {
  const file = process.env[FIGURES_FILE_ENV];
  if (!file || figures.length === 0) return;
  appendFileSync(file, figures.map((figure) => `${JSON.stringify(figure)}\n`).join(''));
}

/** The peak resident set of another process (VmHWM, Linux), in MiB; NaN when it cannot be read. */
export function peakRssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
