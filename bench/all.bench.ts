/**
 * npm run bench — every benchmark of the project, then Concord against a peer, in one run.
 *
 * 1. Builds the hub once, then runs each `bench:*` script the project has (ingest, projections, latency,
 *    reconciliation, verify, kafka, and any other), with settings that keep the whole run near 15 minutes;
 *    one that is not on this branch yet is skipped with a notice. Each reports its headline figures
 *    through bench/support/figures.ts; for one that does not, the last lines of its output are quoted.
 * 2. The peer: Emmett's SQLite event store (@event-driven-io/emmett-sqlite, a dev dependency) and
 *    Concord's event log do the same appends (one event per call, 100 per call) and the same
 *    count-per-status async projection over the same events, on the same disk, each measurement in a
 *    fresh process and directory, the two systems alternating run by run.
 * Prints one table with events/s, p50/p99 and peak RSS, and Concord/peer ratios; `--write` records it
 * with the machine's facts in bench/RESULTS.md.
 *
 * Options: --runs N (peer runs per pair, 3) --single-events N (1,000) --events N (20,000)
 *          --only peer|project (one half) --quick (shorter project benchmarks) --write
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIGURES_FILE_ENV, type BenchFigure } from './support/figures';
import { cpuProbeMicros, machineFacts } from './support/machine';
import { recordInResults } from './support/results';
import { median } from './support/stats';
import { EMMETT_PACKAGE, loadEmmett, peerSqliteVersion } from './peer/emmett-system';
import type { PeerResult, SystemName, Workload } from './peer/peer-run';

const ROOT = resolve(__dirname, '..');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const format = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The project's benchmarks in the order they run, with the arguments `npm run bench` gives them. */
const PROJECT_BENCHES: ReadonlyArray<{ readonly name: string; readonly args: (quick: boolean) => string[] }> = [
  { name: 'bench:ingest', args: (quick) => ['--no-build', '--runs', quick ? '1' : '3', '--duration', quick ? '5' : '8'] },
  { name: 'bench:projections', args: (quick) => ['--events', quick ? '50000' : '200000', '--runs', quick ? '1' : '3'] },
  { name: 'bench:latency', args: (quick) => ['--runs', quick ? '1' : '3', '--seconds', quick ? '5' : '10'] },
  { name: 'bench:reconciliation', args: () => [] },
  { name: 'bench:verify', args: (quick) => ['--events', quick ? '50000' : '200000', '--runs', quick ? '1' : '3'] },
  { name: 'bench:kafka', args: (quick) => ['--no-build', '--events', quick ? '20000' : '50000', '--runs', quick ? '1' : '3'] },
];

interface ProjectBenchOutcome {
  readonly name: string;
  readonly status: 'ran' | 'failed' | 'skipped';
  readonly seconds: number;
  readonly figures: BenchFigure[];
  /** When it reported no figures: the end of its output. */
  readonly tail: string[];
}

/** Runs a command, echoing its output, and keeps the last lines. */
function runEchoed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; tail: string[] }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const keep = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      stream.write(chunk);
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
    child.stdout.on('data', (chunk: Buffer) => keep(chunk, process.stdout));
    child.stderr.on('data', (chunk: Buffer) => keep(chunk, process.stderr));
    child.once('exit', (code) => resolvePromise({ code: code ?? 1, tail: lines.slice(-4) }));
  });
}

async function runProjectBenches(quick: boolean): Promise<ProjectBenchOutcome[]> {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const known = new Set(PROJECT_BENCHES.map((b) => b.name));
  const others = Object.keys(scripts)
    .filter((name) => name.startsWith('bench:') && !known.has(name))
    .map((name) => ({ name, args: () => [] as string[] }));
  const outcomes: ProjectBenchOutcome[] = [];
  console.log('building the hub once (npm run build)…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  for (const bench of [...PROJECT_BENCHES, ...others]) {
    if (!scripts[bench.name]) {
      console.log(`\n== ${bench.name}: skipped, not on this branch yet`);
      outcomes.push({ name: bench.name, status: 'skipped', seconds: 0, figures: [], tail: [] });
      continue;
    }
    const args = bench.args(quick);
    console.log(`\n== ${bench.name} ${args.join(' ')}`);
    const figuresFile = join(mkdtempSync(join(tmpdir(), 'concord-bench-figures-')), 'figures.jsonl');
    const started = Date.now();
    const { code, tail } = await runEchoed('npm', ['run', '--silent', bench.name, ...(args.length ? ['--', ...args] : [])], { ...process.env, [FIGURES_FILE_ENV]: figuresFile });
    const figures = existsSync(figuresFile)
      ? readFileSync(figuresFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as BenchFigure)
      : [];
    rmSync(join(figuresFile, '..'), { recursive: true, force: true });
    outcomes.push({ name: bench.name, status: code === 0 ? 'ran' : 'failed', seconds: (Date.now() - started) / 1000, figures, tail });
  }
  return outcomes;
}

// ---- the peer comparison ----

interface PeerWorkload {
  readonly workload: Workload;
  readonly title: string;
  readonly events: number;
}

function runPeer(system: SystemName, workload: Workload, events: number, dir: string): Promise<PeerResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'peer/peer-run.ts'), system, workload, String(events), dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${system} ${workload} exited with ${code}: ${out.slice(-500)}`));
      else resolvePromise(JSON.parse(line.slice('RESULT '.length)) as PeerResult);
    });
  });
}

/** One system's measurement of one workload on a fresh directory (a projection is measured over events seeded before, untimed). */
async function peerOnce(system: SystemName, workload: PeerWorkload): Promise<PeerResult> {
  const dir = mkdtempSync(join(tmpdir(), `concord-peer-${system}-`));
  try {
    if (workload.workload === 'project') await runPeer(system, 'seed', workload.events, dir);
    return await runPeer(system, workload.workload, workload.events, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface PeerRow {
  readonly title: string;
  readonly concord: PeerResult[];
  readonly emmett: PeerResult[];
  readonly load: number[];
}

const med = (results: readonly PeerResult[], pick: (r: PeerResult) => number | undefined): number | undefined => {
  const values = results.map(pick).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return values.length ? median(values) : undefined;
};

async function runPeerComparison(runs: number, singleEvents: number, events: number): Promise<{ rows: PeerRow[]; idle: Record<SystemName, number> } | string> {
  const emmett = loadEmmett();
  if (emmett instanceof Error) return `${EMMETT_PACKAGE} cannot be loaded (${emmett.message.split('\n')[0]}); it is a dev dependency: run npm install`;
  const workloads: PeerWorkload[] = [
    { workload: 'append-1', title: `append, 1 event per call, sequential (${format(singleEvents)} events)`, events: singleEvents },
    { workload: 'append-100', title: `append, 100 events per call, sequential (${format(events)} events)`, events },
    { workload: 'project', title: `async projection, count per status, from zero (${format(events)} events)`, events },
  ];
  const idleDir = mkdtempSync(join(tmpdir(), 'concord-peer-idle-'));
  const idle = {
    concord: (await runPeer('concord', 'idle', 0, join(idleDir, 'c'))).peakRssMiB,
    emmett: (await runPeer('emmett', 'idle', 0, join(idleDir, 'e'))).peakRssMiB,
  };
  rmSync(idleDir, { recursive: true, force: true });
  const rows: PeerRow[] = [];
  for (const workload of workloads) {
    const row: PeerRow = { title: workload.title, concord: [], emmett: [], load: [] };
    console.log(`\n== peer: ${workload.title}, ${runs} runs`);
    for (let run = 1; run <= runs; run++) {
      // Alternating, so both systems meet the same conditions on a shared machine.
      for (const system of run % 2 === 1 ? (['concord', 'emmett'] as const) : (['emmett', 'concord'] as const)) {
        const result = await peerOnce(system, workload);
        row[system].push(result);
        console.log(
          `  run ${run} ${system}: ${format(result.eventsPerSecond)} events/s${result.p50Ms !== undefined ? `, p50 ${format(result.p50Ms, 1)} ms, p99 ${format(result.p99Ms, 1)} ms` : ''}, peak RSS ${format(result.peakRssMiB)} MiB` +
            `${result.retries ? `, ${result.retries} retries` : ''}${result.problem ? `, PROBLEM: ${result.problem}` : ''}`,
        );
      }
      row.load.push(loadavg()[0]!);
    }
    rows.push(row);
  }
  return { rows, idle };
}

function peerTable(rows: readonly PeerRow[]): string[] {
  const lines = [
    '| Workload | Concord events/s | Emmett events/s | Concord/Emmett | Concord p50 / p99 ms | Emmett p50 / p99 ms | Concord peak RSS MiB | Emmett peak RSS MiB | Emmett retries | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const c = med(row.concord, (r) => r.eventsPerSecond);
    const e = med(row.emmett, (r) => r.eventsPerSecond);
    const latency = (results: readonly PeerResult[]) =>
      med(results, (r) => r.p50Ms) === undefined ? '—' : `${format(med(results, (r) => r.p50Ms), 1)} / ${format(med(results, (r) => r.p99Ms), 1)}`;
    lines.push(
      `| ${row.title} | ${format(c)} | ${format(e)} | ${c !== undefined && e ? `${(c / e).toFixed(2)}×` : '—'} | ${latency(row.concord)} | ${latency(row.emmett)} | ` +
        `${format(med(row.concord, (r) => r.peakRssMiB))} | ${format(med(row.emmett, (r) => r.peakRssMiB))} | ${row.emmett.reduce((sum, r) => sum + r.retries, 0)} | ${median(row.load).toFixed(1)} |`,
    );
  }
  return lines;
}

function projectTable(outcomes: readonly ProjectBenchOutcome[]): string[] {
  const lines = ['| Benchmark | Scenario | events/s | p50 ms | p99 ms | peak RSS MiB | note |', '|---|---|---:|---:|---:|---:|---|'];
  for (const outcome of outcomes) {
    if (outcome.status === 'skipped') {
      lines.push(`| \`${outcome.name}\` | not on main yet: skipped | | | | | |`);
      continue;
    }
    if (outcome.figures.length === 0) {
      const quoted = outcome.tail.join(' / ').replace(/\|/g, '\\|').slice(0, 400);
      lines.push(`| \`${outcome.name}\` | ${outcome.status === 'failed' ? 'FAILED' : 'reports no figures'}; its last lines: | | | | | ${quoted} |`);
      continue;
    }
    for (const f of outcome.figures) {
      lines.push(`| \`${outcome.name}\` | ${f.scenario} | ${format(f.eventsPerSecond)} | ${format(f.p50Ms, 1)} | ${format(f.p99Ms, 1)} | ${format(f.peakRssMiB)} | ${(f.note ?? '').replace(/\|/g, '\\|')} |`);
    }
    if (outcome.status === 'failed') lines.push(`| \`${outcome.name}\` | FAILED (exit code ≠ 0) after the figures above | | | | | |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const runs = Number(option('runs', '3'));
  const singleEvents = Number(option('single-events', '1000'));
  const events = Number(option('events', '20000'));
  const only = option('only', 'all');
  const quick = flag('quick');
  const started = new Date();
  const facts = machineFacts(tmpdir());
  const probe = cpuProbeMicros();
  const loadBefore = loadavg()[0]!;
  const machine =
    `${facts.cores} cores (${facts.cpu}), ${facts.memory} RAM, Node ${facts.node}, better-sqlite3 ${facts.betterSqlite3} (SQLite ${facts.sqlite}), ` +
    `node-sqlite3 for the peer (SQLite ${peerSqliteVersion()}), disk ${facts.disk}; load average ${loadBefore.toFixed(1)} at the start, CPU probe ${probe.toFixed(1)} µs (≈ 2 µs when quiet)`;
  console.log(`machine: ${machine}`);

  const projectOutcomes = only === 'peer' ? [] : await runProjectBenches(quick);
  const peer = only === 'project' ? 'not run (--only project)' : await runPeerComparison(runs, singleEvents, events);

  const lines = [
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` (${((Date.now() - started.getTime()) / 60000).toFixed(0)} min). ` +
      'This 2-core machine was shared with other sessions building and testing at the time: absolute figures are low and noisy; the pairs ran alternately under the same conditions.',
    '',
    `Machine: ${machine}; load average ${loadavg()[0]!.toFixed(1)} at the end.`,
    '',
    '### Project benchmarks',
    '',
    ...(projectOutcomes.length ? projectTable(projectOutcomes) : ['Not run (`--only peer`).']),
    '',
    '### Concord against Emmett SQLite (same appends, same projection, same disk)',
    '',
    ...(typeof peer === 'string'
      ? [`Peer comparison skipped: ${peer}.`]
      : [
          `Medians of ${runs} runs per system, each in a fresh process and directory. Peak RSS is the whole process's, with the TypeScript loader: loaded and idle, it is ${format(peer.idle.concord)} MiB for Concord and ${format(peer.idle.emmett)} MiB for Emmett.`,
          '',
          ...peerTable(peer.rows),
        ]),
  ];
  const table = lines.join('\n');
  console.log(`\n${table}\n`);
  const problems = typeof peer === 'string' ? [] : peer.rows.flatMap((row) => [...row.concord, ...row.emmett].filter((r) => r.problem).map((r) => `${row.title}: ${r.problem}`));
  for (const problem of problems) console.error(`PROBLEM: ${problem}`);

  if (flag('write')) {
    const file = recordInResults('all', 'Every benchmark and the peer (`npm run bench`)', table);
    console.log(`recorded in ${file}`);
  }
  if (problems.length > 0 || projectOutcomes.some((o) => o.status === 'failed')) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
