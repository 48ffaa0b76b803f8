import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_FILE = join(__dirname, '..', 'RESULTS.md');

/**
 * Puts `table` into bench/RESULTS.md between `<!-- bench:<key>:begin -->` and `…:end -->`, replacing
 * the previous recording; the first time, appends it under `heading`. Everything else in the file
 * (the prose around the figures) is left as it is.
 */
export function recordInResults(key: string, heading: string, table: string): string {
  const begin = `<!-- bench:${key}:begin -->`;
  const end = `<!-- bench:${key}:end -->`;
  const existing = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmark results\n';
  const block = `${begin}\n${table}\n${end}`;
  const next = existing.includes(begin)
    ? existing.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), () => block)
    : `${existing.trimEnd()}\n\n## ${heading}\n\n${block}\n`;
  writeFileSync(RESULTS_FILE, next);
  return RESULTS_FILE;
}
