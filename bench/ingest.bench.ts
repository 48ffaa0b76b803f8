/**
 * Ingestion benchmark (not a test): `npm run bench:ingest [-- options]`.
 *
 * Starts the built hub as its own process on a fresh data directory
 * (synchronous=FULL, WAL), drives it over HTTP from a separate load-generator
 * process (undici, closed-loop clients), and prints events/s with p50/p99
 * request latency. Every scenario runs several times; the medians are what
 * `--write` records in bench/RESULTS.md together with the machine's facts.
 *
 * Options: --runs N (5) --duration S (10) --warmup S (2) --scenario batch|single|all
 *          --no-build (use dist/ as it is) --write (update bench/RESULTS.md)
 *          --profile DIR (the hub runs with --cpu-prof, profiles land in DIR)
 *          --baseline DIR (another built checkout, e.g. an older commit: its runs alternate
 *          with this one's, so both meet the same conditions on a shared machine)
 *          --compare-env K=V (also alternate runs of this build with that extra setting,
 *          e.g. CONCORD_SQLITE_WRITER=inline)
 *          --ceiling (also alternate runs against a bare node:http server that stores nothing:
 *          what HTTP alone reaches on this machine at that moment)
 *          --workload orders|customers (orders: no personal data; customers: customer.upserted with
 *          three personal fields, sealed per subject at ingest; compare with --baseline of a build
 *          from before personal data was sealed to see what sealing costs)
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadPlan, LoadReport } from './support/load-generator';
import { cpuProbeMicros, machineFacts } from './support/machine';
import { BARE_HTTP, startHubProcess } from './support/hub-process';
import { peakRssOf, reportFigures } from './support/figures';
import { recordInResults } from './support/results';
import { median } from './support/stats';

interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly clients: number;
  readonly eventsPerRequest: number;
  readonly target: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'batch', title: 'batched: 100 events per request, 8 clients', clients: 8, eventsPerRequest: 100, target: 25_000 },
  { name: 'single', title: 'single event per request, 64 clients', clients: 64, eventsPerRequest: 1, target: 8_000 },
];

const ROOT = resolve(__dirname, '..');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}

const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

interface CpuWindow {
  readonly hub: number;
  readonly generator: number;
}

/** Runs the load generator; measures the CPU both processes use during the measured window. */
function runGenerator(plan: LoadPlan, hubPid: number | undefined): Promise<LoadReport & { cpu: CpuWindow }> {
  const child = fork(join(__dirname, 'support/load-generator.ts'), [], { execArgv: ['-r', '@swc-node/register'], stdio: 'inherit' });
  let start: CpuWindow | undefined;
  const timer = setTimeout(() => {
    start = { hub: cpuSecondsOf(hubPid), generator: cpuSecondsOf(child.pid) };
  }, plan.warmupMs);
  return new Promise((resolvePromise, reject) => {
    child.once('message', (report) => {
      clearTimeout(timer);
      const end = { hub: cpuSecondsOf(hubPid), generator: cpuSecondsOf(child.pid) };
      const cpu = start ? { hub: end.hub - start.hub, generator: end.generator - start.generator } : { hub: Number.NaN, generator: Number.NaN };
      resolvePromise({ ...(report as LoadReport), cpu });
    });
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load generator exited with ${code}`))));
    child.send(plan);
  });
}

interface RunFigures extends LoadReport {
  readonly stored: number;
  readonly cpu: CpuWindow;
  /** The machine's 1-minute load average at the end of the run (other work on a shared machine skews figures). */
  readonly load: number;
  /** cpuProbeMicros() just before the run: how slow the CPU was at the time. */
  readonly probe: number;
  /** The hub process's peak resident set (MiB). */
  readonly peakRssMiB: number;
}

async function runOnce(scenario: Scenario, run: number, settings: { root: string; env?: Record<string, string>; warmupMs: number; durationMs: number; profileDir?: string }): Promise<RunFigures> {
  const probe = cpuProbeMicros();
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-bench-'));
  // One folder per run: Node names each thread's profile itself (main thread and log writer thread).
  const nodeArgs = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(settings.profileDir, `${scenario.name}-${run}`)}`] : [];
  const hub = await startHubProcess(settings.root, dataDir, { nodeArgs, env: settings.env });
  try {
    const report = await runGenerator(
      {
        url: hub.url,
        runId: `${scenario.name}-${run}`,
        clients: scenario.clients,
        eventsPerRequest: scenario.eventsPerRequest,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        workload: option('workload', 'orders') === 'customers' ? 'customers' : 'orders',
      },
      hub.process.pid,
    );
    const health = (await (await fetch(`${hub.url}/health`)).json()) as { headPosition: number };
    return { ...report, stored: health.headPosition, load: loadavg()[0]!, probe, peakRssMiB: peakRssOf(hub.process.pid) };
  } finally {
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const cpuMicros = (seconds: number, events: number): number => (seconds / events) * 1e6;

const format = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function describeRun(result: RunFigures): string {
  return (
    `${format(result.eventsPerSecond)} events/s, p50 ${format(result.p50Ms, 1)} ms, p99 ${format(result.p99Ms, 1)} ms ` +
    `(${format(result.requests)} requests; acknowledged ${format(result.acknowledged)}, stored ${format(result.stored)}, failed requests ${result.failures}; ` +
    `CPU per event: hub ${format(cpuMicros(result.cpu.hub, result.events))} µs, load generator ${format(cpuMicros(result.cpu.generator, result.events))} µs; ` +
    `load average ${result.load.toFixed(1)}, CPU probe ${result.probe.toFixed(1)} µs)`
  );
}

function summaryRow(title: string, target: number, figures: readonly RunFigures[]): string {
  const eps = median(figures.map((f) => f.eventsPerSecond));
  const cells = [
    title,
    format(eps),
    format(median(figures.map((f) => f.p50Ms)), 1),
    format(median(figures.map((f) => f.p99Ms)), 1),
    format(median(figures.map((f) => cpuMicros(f.cpu.hub, f.events)))),
    median(figures.map((f) => f.load)).toFixed(1),
    median(figures.map((f) => f.probe)).toFixed(1),
    format(target),
    eps >= target ? 'met' : 'not met',
    figures.map((f) => format(f.eventsPerSecond)).join(', '),
  ];
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const runs = Number(option('runs', '5'));
  const durationMs = Number(option('duration', '10')) * 1000;
  const warmupMs = Number(option('warmup', '2')) * 1000;
  const which = option('scenario', 'all');
  const profileOption = option('profile', '');
  const profileDir = profileOption ? resolve(profileOption) : undefined;
  const customers = option('workload', 'orders') === 'customers';
  const scenarios = SCENARIOS.filter((s) => which === 'all' || s.name === which).map((s) =>
    customers ? { ...s, title: `${s.title}, customer.upserted with 3 personal fields` } : s,
  );
  if (scenarios.length === 0) throw new Error(`unknown scenario ${which}`);

  if (!flag('no-build')) {
    console.log('building the hub (npm run build)…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const facts = machineFacts(tmpdir());
  console.log(`machine: ${facts.cores} cores (${facts.cpu}), ${facts.memory}, Node ${facts.node}, better-sqlite3 ${facts.betterSqlite3}, SQLite ${facts.sqlite}, disk ${facts.disk}`);

  const baselineOption = option('baseline', '');
  const compareEnv = option('compare-env', '');
  // Split at the first '=' only: values may hold one themselves (NODE_OPTIONS=--max-semi-space-size=64).
  const compareKey = compareEnv.slice(0, compareEnv.indexOf('=') >>> 0);
  const compareValue = compareEnv.slice(compareKey.length + 1);
  const builds: Array<{ label: string; root: string; env?: Record<string, string> }> = [
    { label: '', root: ROOT },
    ...(baselineOption ? [{ label: `baseline ${baselineOption}: `, root: resolve(baselineOption) }] : []),
    ...(compareEnv ? [{ label: `${compareEnv}: `, root: ROOT, env: { [compareKey]: compareValue } }] : []),
    ...(flag('ceiling') ? [{ label: 'ceiling (bare node:http, stores nothing): ', root: BARE_HTTP }] : []),
  ];

  const summary: string[] = [];
  let lossDetected = false;
  for (const scenario of scenarios) {
    console.log(`\n${scenario.title}: ${runs} runs of ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up`);
    const figuresOf = new Map<string, RunFigures[]>(builds.map((b) => [b.label, []]));
    for (let run = 1; run <= runs; run++) {
      // Builds alternate run by run, so a compared pair meets the same conditions.
      for (const build of builds) {
        const result = await runOnce(scenario, run, { root: build.root, env: build.env, warmupMs, durationMs, profileDir });
        figuresOf.get(build.label)!.push(result);
        if (result.acknowledged !== result.stored || result.failures > 0) lossDetected = true;
        console.log(`  ${build.label}run ${run}: ${describeRun(result)}`);
      }
    }
    for (const build of builds) {
      const figures = figuresOf.get(build.label)!;
      summary.push(summaryRow(`${build.label}${scenario.title}`, scenario.target, figures));
      const eps = median(figures.map((f) => f.eventsPerSecond));
      console.log(`  ${build.label}median: ${format(eps)} events/s (target ${format(scenario.target)}: ${eps >= scenario.target ? 'met' : 'NOT met'})`);
      reportFigures([
        {
          bench: 'ingest',
          scenario: `${build.label}${scenario.title}, over HTTP`,
          eventsPerSecond: eps,
          p50Ms: median(figures.map((f) => f.p50Ms)),
          p99Ms: median(figures.map((f) => f.p99Ms)),
          peakRssMiB: median(figures.map((f) => f.peakRssMiB)),
          note: `hub CPU ${format(median(figures.map((f) => cpuMicros(f.cpu.hub, f.events))))} µs/event; target ${format(scenario.target)} events/s`,
        },
      ]);
    }
  }

  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:ingest\` (${runs} runs × ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up, each run on a fresh data directory, synchronous=FULL, WAL).`,
    '',
    'CPU probe: µs per event to JSON.parse a 100-event batch just before each run (≈ 2 µs when this machine is quiet); a higher figure means the machine was shared and slower.',
    '',
    `Machine: ${facts.cores} cores (${facts.cpu}), ${facts.memory} RAM, Node ${facts.node}, better-sqlite3 ${facts.betterSqlite3}, SQLite ${facts.sqlite}, disk ${facts.disk}.`,
    '',
    '| Scenario | events/s (median) | p50 ms | p99 ms | hub CPU µs/event | load avg | CPU probe µs | target events/s | target | events/s of each run |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...summary,
  ].join('\n');
  console.log(`\n${table}\n`);
  if (lossDetected) console.error('WARNING: acknowledged and stored counts differ, or requests failed: see the runs above');

  if (flag('write')) {
    const file = recordInResults('ingest', 'Ingestion (`npm run bench:ingest`)', table);
    console.log(`recorded in ${file}`);
  }
  if (lossDetected) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
