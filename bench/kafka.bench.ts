/**
 * npm run bench:kafka — connector-sim → Kafka → hub → projections, end to end.
 *
 * Starts one real Kafka 3.9.1 broker (test/kafka/broker.ts, from the cached Maven jars), then per run a
 * fresh built hub process in Kafka mode on a fresh data directory, fresh topics and a fresh consumer
 * group. The connector simulator's seeded traffic (ERP, CRM, billing; no faults unless --faults) is
 * published with the SDK's KafkaPublisher (idempotent producer, key per subject) from this process,
 * while a watcher polls GET /v1/projections every 10 ms. Afterwards the event log (read-only) gives each
 * event's position, so every event's produce-to-visible time is known: from the moment its batch was
 * handed to the producer to the first poll that saw the entity view's checkpoint cover its position.
 * Resolution is the poll interval; the watcher shares this process with the producer, which can only
 * make latencies look worse.
 *
 * Prints events/s end to end (first produce → last event visible in the entity view), the time until
 * every projection had caught up, and p50/p99/max produce-to-visible; medians over the runs.
 *
 * Options: --events N (200,000) --runs N (3) --transport kafka|http (http: the same traffic through
 *          HttpPublisher to POST /v1/events, for comparison) --rate N (events/s; default unpaced)
 *          --faults SPEC (none) --partitions N (per topic, 3) --lanes N (4) --batch N (1,000)
 *          --no-build --write (record the medians in bench/RESULTS.md)
 *          --profile DIR (the hub runs with --cpu-prof; its profiles land in DIR)
 * Needs java and mvn (or KAFKA_BROKERS for an external broker) for --transport kafka.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { HttpPublisher, KafkaPublisher, type EventPublisher } from '@concord/connector-sdk';
import { parseFaults } from '../apps/connector-sim/src/faults';
import { publishTraffic } from '../apps/connector-sim/src/publish-traffic';
import { generateTraffic, type Delivery } from '../apps/connector-sim/src/traffic';
import { kafkaBrokersFromEnv, kafkaToolingAvailable, startKafkaBroker, type KafkaBroker } from '../test/kafka/broker';
import { peakRssOf, reportFigures } from './support/figures';
import { BENCH_ADMIN_KEY, BENCH_AUTH, startHubProcess, type RunningHub } from './support/hub-process';
import { cpuProbeMicros, machineFacts } from './support/machine';
import { recordInResults } from './support/results';
import { median, percentile } from './support/stats';

const ROOT = resolve(__dirname, '..');
const POLL_MS = 10;
const TARGET_EVENTS_PER_SECOND = 20_000;
const TARGET_P99_MS = 500;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const int = (name: string, fallback: number): number => {
  const value = Number(option(name, String(fallback)));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};

interface Sample {
  readonly at: number;
  readonly entityView: number;
  /** The lowest checkpoint of all running projections. */
  readonly all: number;
  readonly head: number;
}

/** Polls the hub's projections; its samples say when each log position became visible. */
class Watcher {
  readonly samples: Sample[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly url: string) {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  last(): Sample | undefined {
    return this.samples[this.samples.length - 1];
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const response = await fetch(`${this.url}/v1/projections`, { headers: BENCH_AUTH });
        const { projections } = (await response.json()) as { projections: Array<{ name: string; checkpoint: number; headPosition: number; state: string }> };
        const running = projections.filter((p) => p.state === 'running');
        this.samples.push({
          at: performance.now(),
          entityView: projections.find((p) => p.name === 'entity-view')?.checkpoint ?? 0,
          all: Math.min(...running.map((p) => p.checkpoint)),
          head: Math.max(0, ...projections.map((p) => p.headPosition)),
        });
      } catch {
        // The hub is busy or restarting: the next poll tells.
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

/** The first sample at or after which `pick(sample) >= position`, by binary search (checkpoints only grow). */
function firstCovering(samples: readonly Sample[], position: number, pick: (s: Sample) => number): number | undefined {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (pick(samples[mid]!) >= position) high = mid;
    else low = mid + 1;
  }
  return samples[low]?.at;
}

interface RunResult {
  readonly events: number;
  readonly produceSeconds: number;
  readonly endToEndPerSecond: number;
  readonly allProjectionsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly hubPeakRssMiB: number;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function runOnce(run: number, deliveries: readonly Delivery[], uniqueEvents: number, brokers: string[] | undefined): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-bench-kafka-'));
  const prefix = `bench-${process.pid}-${run}`;
  const topicFor = (source: string) => `${prefix}.concord.events.${source}`;
  const env: Record<string, string> = brokers
    ? {
        KAFKA_BROKERS: brokers.join(','),
        CONCORD_KAFKA_TOPICS: ['erp', 'crm', 'billing'].map(topicFor).join(','),
        CONCORD_KAFKA_GROUP_ID: `${prefix}-hub`,
        CONCORD_KAFKA_OUTBOUND_TOPIC: 'off',
      }
    : {};
  let kafka: Kafka | undefined;
  if (brokers) {
    kafka = new Kafka({ clientId: 'bench-kafka', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const partitions = int('partitions', 3);
    await admin.createTopics({ topics: ['erp', 'crm', 'billing'].map((s) => ({ topic: topicFor(s), numPartitions: partitions })), waitForLeaders: true });
    await admin.disconnect();
  }
  const profileDir = option('profile', '');
  const hub: RunningHub = await startHubProcess(ROOT, dataDir, { env, ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] } : {}) });
  const watcher = new Watcher(hub.url);
  let publisher: EventPublisher | undefined;
  try {
    await waitForReady(hub.url);
    publisher = kafka
      ? await KafkaPublisher.connect({ kafka, topicFor: (e) => topicFor(e.source) })
      : new HttpPublisher({ url: hub.url, apiKey: BENCH_ADMIN_KEY });
    const sentAt = new Map<string, number>();
    const rate = option('rate', '');
    const started = performance.now();
    const report = await publishTraffic(deliveries, () => publisher!, {
      lanes: int('lanes', 4),
      batchSize: int('batch', 1000),
      ...(rate ? { ratePerSecond: Number(rate) } : {}),
      onBatch: (batch) => {
        for (const d of batch.deliveries) if (!sentAt.has(d.envelope.id)) sentAt.set(d.envelope.id, batch.sentAt);
      },
    });
    const produced = performance.now();
    const good = report.counts.accepted + report.counts.appended + report.counts.duplicate;
    if (good !== deliveries.length) throw new Error(`publishing failed: ${JSON.stringify(report.counts)} ${JSON.stringify(report.failed.slice(0, 2))}`);
    await waitUntil(() => (watcher.last()?.head ?? 0) >= uniqueEvents && (watcher.last()?.all ?? 0) >= (watcher.last()?.head ?? Infinity), 600_000, `${uniqueEvents} events stored and projected`);
    await watcher.stop();
    const hubPeakRssMiB = peakRssOf(hub.process.pid);

    // Each event's position, read from the log itself (read-only, beside the running hub).
    const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
    const positions = db.prepare('SELECT event_id AS id, position FROM events').all() as Array<{ id: string; position: number }>;
    db.close();
    const latencies: number[] = [];
    let lastVisible = 0;
    let lastAll = 0;
    for (const { id, position } of positions) {
      const sent = sentAt.get(id);
      if (sent === undefined) continue; // the hub's own events
      const visible = firstCovering(watcher.samples, position, (s) => s.entityView);
      const all = firstCovering(watcher.samples, position, (s) => s.all);
      if (visible === undefined || all === undefined) throw new Error(`event ${id} at ${position} never became visible`);
      latencies.push(visible - sent);
      lastVisible = Math.max(lastVisible, visible);
      lastAll = Math.max(lastAll, all);
    }
    if (latencies.length !== uniqueEvents) throw new Error(`the log holds ${latencies.length} of the ${uniqueEvents} events`);
    latencies.sort((a, b) => a - b);
    return {
      events: uniqueEvents,
      produceSeconds: (produced - started) / 1000,
      endToEndPerSecond: uniqueEvents / ((lastVisible - started) / 1000),
      allProjectionsPerSecond: uniqueEvents / ((lastAll - started) / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1]!,
      hubPeakRssMiB,
    };
  } finally {
    await watcher.stop();
    await publisher?.close().catch(() => undefined);
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * /health/ready answers 200 once the event log is writable and, in Kafka mode, the consumer is in its group
 * (the hub logs each failed check, hence the slow poll).
 */
async function waitForReady(url: string): Promise<void> {
  const deadline = performance.now() + 90_000;
  for (;;) {
    const response = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (response?.ok) return;
    if (performance.now() > deadline) throw new Error(`the hub was not ready within 90 s: ${response ? await response.text() : 'no answer'}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

async function main(): Promise<void> {
  const events = int('events', 200_000);
  const runs = int('runs', 3);
  const transport = option('transport', 'kafka');
  if (transport !== 'kafka' && transport !== 'http') throw new Error('--transport must be kafka or http');
  const faults = parseFaults(option('faults', 'none'));
  if (transport === 'kafka' && kafkaBrokersFromEnv() === undefined && !kafkaToolingAvailable()) {
    console.log('bench:kafka skipped: no java/mvn on PATH to start a broker and KAFKA_BROKERS unset (--transport http runs without Kafka)');
    return;
  }
  if (!flag('no-build')) {
    console.log('building the hub (npm run build)…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  // ~13.4 events per order with its customers; generate a little more and keep exactly `events` deliveries.
  const traffic = generateTraffic({ seed: 1, orders: Math.ceil(events / 13) + 10, start: '2026-11-21T00:00:00.000Z', faults });
  const deliveries = traffic.deliveries.slice(0, events);
  const uniqueEvents = new Set(deliveries.map((d) => d.envelope.id)).size;
  console.log(`connector-sim traffic: ${deliveries.length} deliveries, ${uniqueEvents} distinct events (seed 1, faults ${option('faults', 'none')})`);

  let broker: KafkaBroker | undefined;
  const external = kafkaBrokersFromEnv();
  const stopBroker = () => broker?.stop();
  process.once('SIGINT', () => void Promise.resolve(stopBroker()).finally(() => process.exit(130)));
  const results: RunResult[] = [];
  try {
    if (transport === 'kafka' && !external) {
      const t0 = performance.now();
      broker = await startKafkaBroker();
      console.log(`Kafka 3.9.1 broker on ${broker.brokers.join(',')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const brokers = transport === 'kafka' ? (external ?? broker!.brokers) : undefined;
    for (let run = 1; run <= runs; run++) {
      const probe = cpuProbeMicros();
      const result = await runOnce(run, deliveries, uniqueEvents, brokers);
      results.push(result);
      console.log(
        `run ${run}: ${result.events} events; produced in ${result.produceSeconds.toFixed(1)} s; end to end ${Math.round(result.endToEndPerSecond)} events/s ` +
          `(all projections ${Math.round(result.allProjectionsPerSecond)}/s); produce→visible p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms; ` +
          `hub peak RSS ${result.hubPeakRssMiB.toFixed(0)} MiB; cpu probe ${probe.toFixed(1)} µs; load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
  } finally {
    await stopBroker();
  }

  const m = (pick: (r: RunResult) => number) => median(results.map(pick));
  const rate = option('rate', '');
  const scenario = `${transport === 'kafka' ? 'connector-sim → Kafka → hub' : 'connector-sim → HTTP → hub'} → projections, ${uniqueEvents} events${rate ? ` paced at ${rate}/s` : ', unpaced'}`;
  console.log(
    `\n${scenario}: median ${Math.round(m((r) => r.endToEndPerSecond))} events/s end to end (target ${TARGET_EVENTS_PER_SECOND}), ` +
      `p99 produce→visible ${m((r) => r.p99Ms).toFixed(0)} ms (target ≤ ${TARGET_P99_MS}) over ${runs} runs`,
  );
  reportFigures([
    { bench: 'kafka', scenario, eventsPerSecond: m((r) => r.endToEndPerSecond), p50Ms: m((r) => r.p50Ms), p99Ms: m((r) => r.p99Ms), peakRssMiB: m((r) => r.hubPeakRssMiB), note: 'produce → visible in the entity view; hub process peak RSS' },
  ]);
  const facts = machineFacts(tmpdir());
  if (flag('write')) {
    const key = `kafka-${transport}-${rate ? `paced-${rate}` : 'unpaced'}`;
    const table = [
      `Recorded ${new Date().toISOString()} on ${facts.cores} cores (${facts.cpu}), Node ${facts.node}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (a machine shared with other agents: figures are low and noisy).`,
      '',
      '| Scenario | runs | events/s end to end (median) | all projections caught up (events/s) | produce→visible p50 | p99 | max | hub peak RSS |',
      '|---|---|---|---|---|---|---|---|',
      `| ${scenario} | ${runs} | ${Math.round(m((r) => r.endToEndPerSecond))} | ${Math.round(m((r) => r.allProjectionsPerSecond))} | ${m((r) => r.p50Ms).toFixed(0)} ms | ${m((r) => r.p99Ms).toFixed(0)} ms | ${m((r) => r.maxMs).toFixed(0)} ms | ${m((r) => r.hubPeakRssMiB).toFixed(0)} MiB |`,
      '',
      `Per run: ${results.map((r) => `${Math.round(r.endToEndPerSecond)}/s, p99 ${r.p99Ms.toFixed(0)} ms`).join('; ')}.`,
    ].join('\n');
    console.log(`recorded in ${recordInResults(key, `bench:kafka, ${transport}${rate ? ` paced at ${rate}/s` : ', unpaced'}`, table)}`);
  }
  console.log(JSON.stringify(facts));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
