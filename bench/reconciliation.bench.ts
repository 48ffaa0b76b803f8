/**
 * npm run bench:reconciliation — rebuild of the reconciliation read model from zero over
 * 100,000 orders × 3 sources (10 events per order: erp 4, crm 3, billing 3 = 1,000,000 events),
 * interleaved as they would arrive, with planted disagreements: 4 % of orders end with a status
 * conflict, 1 % never reach billing, 2 % receive a stale (lower sourceSequence) report late.
 * Usage: npm run bench:reconciliation -- [--orders N] [--runs R] [--batch EVENTS] [--keep DIR]
 * Batches: as `concord projections rebuild` (REBUILD_BATCH_EVENTS, 10,000) unless --batch says otherwise.
 * The live path's cost on ingestion is measured by the ingest benchmark with reconciliation off and
 * on in alternating runs: npm run bench:ingest -- --compare-env CONCORD_RECONCILIATION_RULES=off
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractRegistry, exampleContracts, streamNameOf, type EventEnvelope } from '@concord/contracts';
import { SqliteEventStore, type AppendRequest } from '@concord/event-store';
import { REBUILD_BATCH_EVENTS } from '../apps/hub/src/cli/commands/projections';
import { RECON_SUMMARY, type Summary } from '../apps/hub/src/reconciliation/reconciliation-model';
import { loadReconciliationRules } from '../apps/hub/src/reconciliation/reconciliation-rules';
import { reconciliationProjection } from '../apps/hub/src/reconciliation/reconciliation.projection';
import { reportFigures } from './support/figures';
import { machineFacts } from './support/machine';
import { timedRebuild } from './support/rebuild';
import { median } from './support/stats';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const EVENTS_PER_ORDER = 10;
/** Orders interleaved together: their events alternate in the log, as systems report in parallel. */
const BLOCK = 1000;

/** The k-th report (0..9) about order n, in the systems' own vocabularies. */
function report(n: number, k: number): EventEnvelope | undefined {
  const conflict = n % 25 === 0; // 4 %
  const noBilling = n % 100 === 1; // 1 %
  const stale = n % 50 === 2; // 2 %
  const base = { schemaVersion: 1, subject: { type: 'order', id: `SO-${n}` }, occurredAt: '2026-11-21T09:00:00Z' };
  const total = { amount: 10 + (n % 1000), currency: 'EUR' };
  const created = (source: string, status: string, sequence: number): EventEnvelope => ({
    ...base,
    id: `${source}-${n}-${k}`,
    source,
    type: 'order.created',
    sourceSequence: sequence,
    data: { customerId: `C-${n % 997}`, status, total },
  });
  const changed = (source: string, status: string, sequence: number): EventEnvelope => ({
    ...base,
    id: `${source}-${n}-${k}`,
    source,
    type: 'order.status-changed',
    sourceSequence: sequence,
    data: { status },
  });
  switch (k) {
    case 0: return created('erp', 'OPEN', 1);
    case 1: return created('crm', 'new', 1);
    case 2: return noBilling ? undefined : created('billing', 'open', 1);
    case 3: return changed('erp', 'SHIPPED', 2);
    case 4: return changed('crm', 'shipped', 2);
    case 5: return noBilling ? undefined : changed('billing', 'shipped', 2);
    case 6: return changed('erp', 'COMPLETED', 4);
    case 7: return changed('crm', conflict ? 'open' : 'closed', 3);
    case 8: return noBilling ? undefined : changed('billing', 'paid', 3);
    case 9: return stale ? changed('erp', 'OPEN', 3) : changed('erp', 'COMPLETED', 5);
    default: return undefined;
  }
}

async function seed(file: string, orders: number): Promise<number> {
  const store = SqliteEventStore.open(file, { synchronous: 'OFF', maxEventsPerCommit: 10_000 });
  const started = Date.now();
  let count = 0;
  let requests: AppendRequest[] = [];
  const flush = async () => {
    if (requests.length > 0) await store.appendMany(requests);
    requests = [];
  };
  for (let block = 0; block < orders; block += BLOCK) {
    for (let k = 0; k < EVENTS_PER_ORDER; k++) {
      for (let n = block; n < Math.min(block + BLOCK, orders); n++) {
        const e = report(n, k);
        if (!e) continue;
        requests.push({ stream: streamNameOf(e.subject), events: [{ envelope: e, transport: { kind: 'internal', component: 'bench' } }] });
        count++;
        if (requests.length === 10_000) await flush();
      }
    }
  }
  await flush();
  await store.close();
  console.log(`seeded ${count.toLocaleString('en-US')} events for ${orders.toLocaleString('en-US')} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return count;
}

async function main(): Promise<void> {
  const orders = flag('orders', 100_000);
  const runs = flag('runs', 3);
  // As `concord projections rebuild` does, unless --batch says otherwise.
  const batchSize = flag('batch', REBUILD_BATCH_EVENTS);
  const keepIndex = process.argv.indexOf('--keep');
  const kept = keepIndex > 0 ? process.argv[keepIndex + 1] : undefined;
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'concord-bench-recon-'));
  try {
    const logFile = join(dir, 'events.db');
    if (!existsSync(logFile)) {
      mkdirSync(dir, { recursive: true });
      await seed(logFile, orders);
    }
    const registry = new ContractRegistry(exampleContracts);
    const rules = loadReconciliationRules(join(__dirname, '../config/reconciliation.yaml'), true);
    const rates: number[] = [];
    const cpuPerEvent: number[] = [];
    let summary: Summary | undefined;
    for (let run = 1; run <= runs; run++) {
      const result = await timedRebuild(reconciliationProjection(registry, rules), {
        logFile,
        readModelsFile: join(dir, `read-models-${run}.db`),
        keysFile: join(dir, 'keys.db'),
        registry,
        run,
        batchSize,
        inspect: async (readModels) => {
          summary = (await readModels.get(RECON_SUMMARY, 'order')) as Summary | undefined;
        },
      });
      rates.push(result.eventsPerSecond);
      cpuPerEvent.push(result.cpuMicrosPerEvent);
    }
    // The planted disagreements must all be found (pending: the bench records no sweeper openings).
    const expected = { entities: orders, pending: Math.ceil(orders / 25) + Math.ceil((orders - 1) / 100), matched: orders - Math.ceil(orders / 25) - Math.ceil((orders - 1) / 100) };
    console.log(`order summary after the rebuild: ${JSON.stringify(summary)} (planted: ${JSON.stringify(expected)})`);
    if (!summary || summary.entities !== expected.entities || summary.pending !== expected.pending || summary.matched !== expected.matched) {
      throw new Error('the rebuild did not find exactly the planted disagreements');
    }
    console.log(`\nreconciliation rebuild, ${orders.toLocaleString('en-US')} orders × 3 sources: median ${Math.round(median(rates)).toLocaleString('en-US')} events/s over ${runs} runs, median ${median(cpuPerEvent).toFixed(1)} CPU µs/event`);
    reportFigures([
      {
        bench: 'reconciliation',
        scenario: `reconciliation rebuild from zero, ${orders.toLocaleString('en-US')} orders × 3 sources`,
        eventsPerSecond: median(rates),
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        note: `in process, batches of ${batchSize.toLocaleString('en-US')}; ${median(cpuPerEvent).toFixed(1)} CPU µs/event; target 30,000 events/s`,
      },
    ]);
    console.log(JSON.stringify(machineFacts(dir)));
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
