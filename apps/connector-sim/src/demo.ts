/**
 * `npm run demo`: the hub (embedded: SQLite in a temporary directory) and the
 * connector simulator over HTTP in one process. Shows events flowing in, what
 * the hub made of the planted faults, and what reconciliation finds once the
 * grace periods are over: the hub's clock is moved forward a day (a clock
 * injected for the demo) instead of waiting for one.
 *
 *   npm run demo -- [--orders 300] [--seed 1] [--faults demo] [--port 0] [--keep]
 *
 * --keep leaves the hub running (dashboard at /ui) until Ctrl-C.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OffsetClock } from '@concord/common';
import { HttpPublisher } from '@concord/connector-sdk';
import { loadConfig } from '../../hub/src/config/concord-config';
import { createHubApp } from '../../hub/src/create-hub-app';
import { ProjectionsService } from '../../hub/src/projections/projections.service';
import { parseFaults } from './faults';
import { findingsFor, type Finding, type ReconItemView } from './findings';
import { publishTraffic } from './publish-traffic';
import { describePlanted } from './report';
import { generateTraffic, type Traffic } from './traffic';

const DEMO_KEY = 'demo-admin-key-0123456789abcdef';
const DAY_AND_AN_HOUR = 25 * 60 * 60 * 1000;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}

async function main(): Promise<void> {
  const orders = Number(option('orders', '300'));
  const seed = Number(option('seed', '1'));
  const faults = parseFaults(option('faults', 'demo'));
  const keep = process.argv.includes('--keep');
  if (!Number.isSafeInteger(orders) || orders < 1 || !Number.isSafeInteger(seed)) throw new Error('--orders must be a positive integer, --seed an integer');

  const dataDir = mkdtempSync(join(tmpdir(), 'concord-demo-'));
  // Real time plus an offset the demo moves forward: a day's grace passes in an instant.
  const clock = new OffsetClock();
  const config = loadConfig({ ...process.env, CONCORD_DATA_DIR: dataDir, CONCORD_BOOTSTRAP_ADMIN_KEY: DEMO_KEY, CONCORD_LOG_LEVEL: 'warn', CONCORD_RATE_LIMIT_ADMIN: 'off' });
  const app = await createHubApp(config, { clock });
  await app.listen(Number(option('port', '0')), '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const api = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${DEMO_KEY}` } });
    return { status: response.status, body: ((await response.json().catch(() => undefined)) ?? {}) as ApiBody };
  };
  console.log(`Concord hub (embedded, data in ${dataDir}) on ${url}  dashboard ${url}/ui  key ${DEMO_KEY}\n`);

  try {
    // 1. The systems publish.
    const start = new Date(clock.now().getTime() - 2 * 60 * 60 * 1000).toISOString();
    const traffic = generateTraffic({ seed, orders, start, faults });
    console.log(`connector-sim (seed ${seed}): ERP, CRM and billing report ${orders} orders: ${traffic.deliveries.length} deliveries of ${traffic.uniqueEvents} events`);
    console.log(`  ${describePlanted(traffic.planted)}`);
    const publisher = new HttpPublisher({ url, apiKey: DEMO_KEY });
    let sent = 0;
    let lastLine = 0;
    const report = await publishTraffic(traffic.deliveries, () => publisher, {
      lanes: 4,
      batchSize: 100,
      onBatch: (batch) => {
        sent += batch.deliveries.length;
        if (batch.answeredAt - lastLine > 500 || sent === traffic.deliveries.length) {
          lastLine = batch.answeredAt;
          console.log(`  ${String(sent).padStart(6)} / ${traffic.deliveries.length} sent`);
        }
      },
    });
    const { counts } = report;
    console.log(
      `\nthe hub answered: ${counts.appended} appended (distinct events: ${traffic.uniqueEvents}), ${counts.duplicate} duplicate (planted repeats: ${traffic.deliveries.length - traffic.uniqueEvents}), ` +
        `${counts.rejected} rejected, ${counts.failed} failed, in ${report.seconds.toFixed(1)} s`,
    );

    // 2. Projections catch up; a look at one entity as every system reports it.
    const projections = app.get(ProjectionsService);
    const head = Math.max(0, ...(await projections.statuses()).map((s) => s.headPosition));
    await projections.waitForAll(head);
    console.log(`projections caught up with the log (position ${head})`);
    await showEntity(api, traffic);

    // 3. Reconciliation, once it is on this hub; the entity views otherwise.
    const first = await api('/v1/reconciliation');
    if (first.status === 404) {
      console.log('\nreconciliation is not on this hub yet (GET /v1/reconciliation: 404); what each system says about the planted conflicts:');
      await showConflictsFromEntities(api, traffic);
    } else {
      console.log(`\nreconciliation (rules ${first.body.rulesVersion}) right after ingestion: ${summaryLine(first.body.summary)}`);
      console.log(`moving the hub's clock ${DAY_AND_AN_HOUR / 3_600_000} h ahead, past every grace period, and waiting for the sweeper...`);
      clock.jump(DAY_AND_AN_HOUR);
      const settled = await waitForSweep(api);
      console.log(`reconciliation now: ${summaryLine(settled.summary)}\n`);
      const items = await openItems(api);
      printFindings(findingsFor(traffic.planted, items), items);
    }
    if (keep) {
      console.log(`\nthe hub keeps running: ${url}/ui (key ${DEMO_KEY}); Ctrl-C to stop`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The fields of the hub's answers the demo reads (entity views and reconciliation lists). */
interface ApiBody {
  readonly sources?: Record<string, { readonly state: Record<string, unknown>; readonly events: number; readonly staleEvents: number }>;
  readonly rulesVersion?: string;
  readonly summary?: Record<string, number>;
  readonly items?: ReconItemView[];
  readonly nextCursor?: string;
}

type Api = (path: string) => Promise<{ status: number; body: ApiBody }>;

async function showEntity(api: Api, traffic: Traffic): Promise<void> {
  const sample = traffic.planted.conflicts.find((c) => c.kind === 'order-status')?.subject ?? { type: 'order', id: 'SO-000001' };
  const view = await api(`/v1/entities/${sample.type}/${sample.id}`);
  if (view.status !== 200) return;
  const bySource = Object.entries(view.body.sources ?? {})
    .map(([source, s]) => `${source} says ${s.state.status} (${s.events} events${s.staleEvents ? `, ${s.staleEvents} stale` : ''})`)
    .join('; ');
  console.log(`  GET /v1/entities/${sample.type}/${sample.id}: ${bySource}`);
}

async function showConflictsFromEntities(api: Api, traffic: Traffic): Promise<void> {
  for (const conflict of traffic.planted.conflicts.slice(0, 15)) {
    const view = await api(`/v1/entities/${conflict.subject.type}/${conflict.subject.id}`);
    const says = Object.entries(view.body.sources ?? {})
      .map(([source, s]) => `${source}=${JSON.stringify(s.state[conflict.field])}`)
      .join(' ');
    console.log(`  ${conflict.kind.padEnd(16)} ${conflict.subject.type}/${conflict.subject.id} ${conflict.field}: ${says}`);
  }
  for (const { system, subject } of traffic.planted.missing.slice(0, 10)) {
    const view = await api(`/v1/entities/${subject.type}/${subject.id}`);
    console.log(`  missing          ${subject.type}/${subject.id}: reported by ${Object.keys(view.body.sources ?? {}).join(', ')}, never by ${system}`);
  }
}

function summaryLine(summary: Record<string, number> | undefined): string {
  return summary ? Object.entries(summary).map(([k, v]) => `${v} ${k}`).join(', ') : '(no summary)';
}

/** Polls until no item is pending any more and the summary has stopped changing (60 s at most). */
async function waitForSweep(api: Api): Promise<{ summary: Record<string, number> }> {
  const deadline = Date.now() + 60_000;
  let last = '';
  let stable = 0;
  for (;;) {
    const { body } = await api('/v1/reconciliation?limit=1');
    const text = JSON.stringify(body.summary);
    stable = text === last ? stable + 1 : 0;
    last = text;
    if ((body.summary?.pending === 0 && stable >= 2) || Date.now() > deadline) return { summary: body.summary ?? {} };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function openItems(api: Api): Promise<ReconItemView[]> {
  const items: ReconItemView[] = [];
  let cursor: string | undefined;
  do {
    const { body } = await api(`/v1/reconciliation?status=open&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...(body.items ?? []));
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

function printFindings(findings: Finding[], items: ReconItemView[]): void {
  const found = findings.filter((f) => f.item !== undefined);
  console.log(`planted → found by reconciliation: ${found.length} of ${findings.length}`);
  for (const finding of findings) {
    const mark = finding.item ? '✓' : '✗';
    const item = finding.item ? `${finding.item.kind}${finding.item.field ? ` ${finding.item.field}` : ''} ${JSON.stringify(finding.item.values)}` : 'no open item';
    console.log(`  ${mark} ${finding.planted.padEnd(16)} ${finding.subject.padEnd(22)} ${item}`);
  }
  const matched = new Set(found.map((f) => f.item!.id));
  const others = items.filter((i) => !matched.has(i.id));
  console.log(`open items not planted by the sim: ${others.length}`);
  for (const item of others.slice(0, 10)) console.log(`  ? ${item.kind} ${item.entityType}/${item.subject?.id ?? item.naturalKey} ${item.field ?? ''} ${JSON.stringify(item.values)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exit(1);
  },
);
