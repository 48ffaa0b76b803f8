/**
 * npm run bench:latency — ingest-to-visible latency: at a steady rate (default
 * 2,000 events/s as 100 requests/s of 20 events), how long after the hub
 * acknowledged an event does it show in GET /v1/entities/…? Measured for the last
 * event of every request.
 * Runs the built hub (`npm run build` first).
 * Usage: npm run bench:latency -- [--rate 2000] [--seconds 20] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_AUTH, startHubProcess } from './support/hub-process';
import { peakRssOf, reportFigures } from './support/figures';
import { machineFacts } from './support/machine';
import { median, percentile } from './support/stats';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const PER_REQUEST = 20;

/**
 * One watcher polls the entity view's checkpoint every 2 ms and releases every
 * probe whose position it covers: the read model is committed with its
 * checkpoint, so a covered event is visible in GET /v1/entities. (Polling each
 * probe's entity separately would overload the hub and measure the benchmark.)
 */
class VisibilityWatcher {
  private readonly waiting: Array<{ position: number; ackedAt: number; resolve: (ms: number) => void }> = [];
  private stopped = false;

  constructor(private readonly url: string) {
    void this.loop();
  }

  visible(position: number, ackedAt: number): Promise<number> {
    return new Promise((resolve) => this.waiting.push({ position, ackedAt, resolve }));
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const response = await fetch(`${this.url}/v1/projections`, { headers: BENCH_AUTH });
      const { projections } = (await response.json()) as { projections: Array<{ name: string; checkpoint: number }> };
      const checkpoint = projections.find((p) => p.name === 'entity-view')?.checkpoint ?? 0;
      const now = performance.now();
      for (let i = this.waiting.length - 1; i >= 0; i--) {
        const probe = this.waiting[i]!;
        if (probe.position <= checkpoint) {
          this.waiting.splice(i, 1);
          probe.resolve(now - probe.ackedAt);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

async function runOnce(run: number, rate: number, seconds: number): Promise<{ p50: number; p99: number; max: number; sent: number; peakRssMiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-bench-latency-'));
  const hub = await startHubProcess(join(__dirname, '..'), dir);
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const watcher = new VisibilityWatcher(hub.url);
  let sent = 0;
  let peakRssMiB = Number.NaN;
  try {
    const requestsPerSecond = rate / PER_REQUEST;
    const interval = 1000 / requestsPerSecond;
    const start = performance.now();
    for (let request = 0; request < requestsPerSecond * seconds; request++) {
      const due = start + request * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const events = Array.from({ length: PER_REQUEST }, (_, i) => {
        const n = request * PER_REQUEST + i;
        return {
          id: `lat-${run}-${n}`,
          source: n % 2 ? 'crm' : 'erp',
          type: 'order.status-changed',
          subject: { type: 'order', id: `SO-${n % 5000}` },
          occurredAt: '2026-11-21T09:00:00Z',
          data: { status: `S${n}` },
        };
      });
      inFlight.push(
        (async () => {
          const response = await fetch(`${hub.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...BENCH_AUTH }, body: JSON.stringify({ events }) });
          const ackedAt = performance.now();
          if (!response.ok) throw new Error(`ingest answered ${response.status}`);
          const { results } = (await response.json()) as { results: Array<{ status: string; position: number }> };
          sent += PER_REQUEST;
          const acked = results[PER_REQUEST - 1]!;
          if (acked.status !== 'appended') throw new Error(`event was ${acked.status}, not appended`);
          latencies.push(await watcher.visible(acked.position, ackedAt));
        })(),
      );
    }
    await Promise.all(inFlight);
    peakRssMiB = peakRssOf(hub.process.pid);
  } finally {
    watcher.stop();
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, sent, peakRssMiB };
}

async function main(): Promise<void> {
  const rate = flag('rate', 2000);
  const seconds = flag('seconds', 20);
  const runs = flag('runs', 3);
  const p99s: number[] = [];
  const p50s: number[] = [];
  const peaks: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const result = await runOnce(run, rate, seconds);
    p99s.push(result.p99);
    p50s.push(result.p50);
    peaks.push(result.peakRssMiB);
    console.log(`run ${run}: ${result.sent} events at ${rate}/s — ack→visible p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms`);
  }
  console.log(`\ningest-to-visible at ${rate} events/s: median p50 ${median(p50s).toFixed(1)} ms, median p99 ${median(p99s).toFixed(1)} ms over ${runs} runs`);
  reportFigures([
    { bench: 'latency', scenario: `acknowledged → visible in GET /v1/entities at ${rate} events/s`, p50Ms: median(p50s), p99Ms: median(p99s), peakRssMiB: median(peaks), note: 'hub process peak RSS' },
  ]);
  console.log(JSON.stringify(machineFacts(tmpdir())));
}

void main();
