import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Facts that make a benchmark figure meaningful to someone reading it later. */
export function machineFacts(): string {
  const cpu = cpus();
  const sqlite = (new Database(':memory:').prepare('select sqlite_version() as v').get() as { v: string }).v;
  const betterSqlite = (JSON.parse(readFileSync(require.resolve('better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, SQLite ${sqlite} (better-sqlite3 ${betterSqlite}), ${process.platform}/${process.arch}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
