import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface MachineFacts {
  readonly cores: number;
  readonly cpu: string;
  readonly memory: string;
  readonly node: string;
  readonly betterSqlite3: string;
  readonly sqlite: string;
  readonly disk: string;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** What a reader needs to compare figures between machines. */
export function machineFacts(dataDir: string): MachineFacts {
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  // `df` names the filesystem the benchmark's data directory sits on; lsblk says whether it spins.
  const [device = '?', fsType = '?'] = run('df', ['--output=source,fstype', dataDir]).split('\n')[1]?.trim().split(/\s+/) ?? [];
  const name = device.replace(/^\/dev\//, '').replace(/\d+$/, '');
  const rotational = run('lsblk', ['-dno', 'ROTA', `/dev/${name}`]);
  const kind = rotational === '0' ? 'SSD/NVMe' : rotational === '1' ? 'reported rotational (virtual disk)' : 'unknown';
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    betterSqlite3: (require('better-sqlite3/package.json') as { version: string }).version,
    sqlite,
    disk: `${device} (${fsType}, ${kind})`,
  };
}

/**
 * How fast this machine's CPU is right now, for reading figures taken on a
 * shared machine: microseconds per event to JSON.parse a 100-event batch
 * (median of 20 rounds, on this thread). A quiet run of this machine measured ≈ 2 µs.
 */
export function cpuProbeMicros(): number {
  const event = (i: number): string =>
    `{"id":"probe-${i}","source":"erp","type":"order.created","subject":{"type":"order","id":"SO-${i}"},"occurredAt":"2026-11-21T10:00:00Z","data":{"customerId":"C-42","status":"OPEN","total":{"amount":120.5,"currency":"EUR"}}}`;
  const body = `{"events":[${Array.from({ length: 100 }, (_, i) => event(i)).join(',')}]}`;
  const rounds: number[] = [];
  for (let round = 0; round < 20; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) JSON.parse(body);
    rounds.push(Number(process.hrtime.bigint() - started) / 1000 / (20 * 100));
  }
  return rounds.sort((a, b) => a - b)[10]!;
}
