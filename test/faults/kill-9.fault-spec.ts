/**
 * kill -9 under load. A client sends unique events over HTTP in batches from several connections and
 * retries every batch that was not acknowledged, with the same ids. The hub (its own process) is
 * SIGKILLed at seeded random moments, mid-request, and restarted on the same data directory.
 * Afterwards, on the stopped hub's files: every event is stored exactly once, positions and
 * stream revisions have no gaps, every hash chain verifies, SQLite's integrity check is ok, and every
 * projection equals a rebuild from zero.
 *
 * CI size by default; the issue's size: FAULTS_EVENTS=100000 FAULTS_KILLS=5 npm run test:faults -- kill-9
 * (FAULTS_SEED replays a run's kill moments).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authHeader } from '../e2e/support/auth';
import { eventually, type HubProcess } from '../scale/support/hub-process';
import { projectionsAt, startFaultHub } from './support/fault-hub';
import { seededRandom, sizeFromEnv } from './support/seeded-random';
import { assertStoreHealthy } from './support/store-health';

const EVENTS = sizeFromEnv('FAULTS_EVENTS', 4000);
const KILLS = sizeFromEnv('FAULTS_KILLS', 3);
const SEED = sizeFromEnv('FAULTS_SEED', 20261122);
const PER_BATCH = 100;
const CLIENTS = 4;
const STREAMS = 500;

interface BatchResult {
  status: string;
  id: string;
}

/** When the run's orders were created: flows open now and are met (by a CRM event) well inside their 15 minutes. */
const CREATED_AT = new Date().toISOString();
const idOf = (n: number) => `k9-${SEED}-${n}`;

/** Each order is created in the ERP (opening a flow, a reconciliation entity), then changes status in ERP and CRM. */
function eventNumber(n: number): Record<string, unknown> {
  const order = n % STREAMS;
  const common = { id: idOf(n), subject: { type: 'order', id: `SO-${order}` }, correlationId: `flow-${n % 50}` };
  return n < STREAMS
    ? { ...common, source: 'erp', type: 'order.created', occurredAt: CREATED_AT, data: { customerId: `C-${order}`, status: 'OPEN', total: { amount: order, currency: 'EUR' } } }
    : { ...common, source: n % 3 === 0 ? 'crm' : 'erp', type: 'order.status-changed', occurredAt: '2026-11-21T09:00:00Z', data: { status: `S${n}` } };
}

describe('kill -9 during ingestion', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-kill9-'));
  const started: HubProcess[] = [];

  afterAll(async () => {
    for (const hub of started) hub.signal('SIGKILL');
    await Promise.all(started.map((hub) => hub.exited));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<HubProcess> {
    const hub = await startFaultHub(`hub-${started.length}`, dataDir);
    started.push(hub);
    return hub;
  }

  it(`stores each of ${EVENTS} events exactly once across ${KILLS} SIGKILLs (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    // Kill moments: fractions of the acknowledged events, spread over the run, in order.
    const killAt = Array.from({ length: KILLS }, (_, k) => Math.floor(EVENTS * ((k + 0.2 + 0.6 * random()) / (KILLS + 0.5))));
    const killDelayMs = killAt.map(() => Math.floor(random() * 40));

    let hub = await start();
    let ready: Promise<HubProcess> = Promise.resolve(hub);
    const pending: number[][] = [];
    for (let from = 0; from < EVENTS; from += PER_BATCH) pending.push(Array.from({ length: Math.min(PER_BATCH, EVENTS - from) }, (_, i) => from + i));
    const acked = new Uint8Array(EVENTS);
    let ackedCount = 0;
    let inFlight = 0;
    let failedRequests = 0;
    let appended = 0;
    let duplicates = 0;
    const refusals: string[] = [];

    const send = async (batch: number[]): Promise<boolean> => {
      const target = await ready;
      let response: Response;
      inFlight++;
      try {
        response = await fetch(`${target.url}/v1/events`, {
          method: 'POST',
          headers: { ...authHeader(), 'content-type': 'application/json' },
          body: JSON.stringify({ events: batch.map(eventNumber) }),
        });
      } catch {
        return false; // connection refused or reset: not acknowledged, retried
      } finally {
        inFlight--;
      }
      if (response.status !== 200) {
        await response.text().catch(() => undefined);
        return false;
      }
      let body: { results: BatchResult[] };
      try {
        body = (await response.json()) as { results: BatchResult[] };
      } catch {
        return false; // cut off mid-answer
      }
      body.results.forEach((result, i) => {
        const n = batch[i]!;
        if (result.status === 'appended' || result.status === 'duplicate') {
          if (result.status === 'appended') appended++;
          else duplicates++;
          if (!acked[n]) {
            acked[n] = 1;
            ackedCount++;
          }
        } else {
          refusals.push(`${result.id}: ${JSON.stringify(result)}`);
        }
      });
      return true;
    };

    const client = async (): Promise<void> => {
      for (;;) {
        const batch = pending.shift();
        if (!batch) return;
        if (!(await send(batch))) {
          failedRequests++;
          pending.push(batch); // the same ids again, later
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };

    const killer = (async () => {
      const kills: Array<{ atAcked: number; inFlight: number; restartMs: number }> = [];
      for (let k = 0; k < KILLS; k++) {
        await eventually(`acknowledged reaches ${killAt[k]}`, async () => (ackedCount >= killAt[k]! ? true : undefined), 30 * 60_000, 5);
        await new Promise((resolve) => setTimeout(resolve, killDelayMs[k]));
        let restarted!: (hub: HubProcess) => void;
        ready = new Promise((resolve) => (restarted = resolve));
        const killed = { atAcked: ackedCount, inFlight, restartMs: 0 };
        hub.signal('SIGKILL');
        await hub.exited;
        const from = Date.now();
        hub = await start();
        killed.restartMs = Date.now() - from;
        kills.push(killed);
        restarted(hub);
      }
      return kills;
    })();

    const startedAt = Date.now();
    // Retries go back in the queue; clients stop only when no batch is left anywhere.
    while (ackedCount < EVENTS || refusals.length > 0) {
      await Promise.all(Array.from({ length: CLIENTS }, client));
      if (refusals.length > 0) break;
      if (ackedCount < EVENTS) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const kills = await killer;
    const ingestMs = Date.now() - startedAt;
    expect(refusals).toEqual([]);
    expect(ackedCount).toBe(EVENTS);
    // The kills hit live traffic: requests were cut off and had to be retried.
    expect(kills).toHaveLength(KILLS);
    if (KILLS > 0) expect(failedRequests).toBeGreaterThan(0);

    // Projections catch up on the last incarnation, then it stops cleanly.
    await projectionsAt(hub, EVENTS);
    await hub.stop();

    const { log, verify, rebuild } = await assertStoreHealthy(dataDir, { acknowledged: Array.from({ length: EVENTS }, (_, n) => idOf(n)), events: EVENTS });
    expect(log.streams).toBe(Math.min(STREAMS, EVENTS));

    console.log(
      [
        `kill -9: ${EVENTS} events in batches of ${PER_BATCH} from ${CLIENTS} clients, ${KILLS} SIGKILLs, seed ${SEED}, ${ingestMs} ms`,
        `kills (acknowledged so far / requests in flight / restart ms): ${kills.map((k) => `${k.atAcked}/${k.inFlight}/${k.restartMs}`).join(', ')}`,
        `requests not acknowledged and retried: ${failedRequests}; answers: ${appended} appended, ${duplicates} duplicate (stored before a kill, acknowledgement lost)`,
        `log: ${log.events} events, ${log.streams} streams, 0 lost, 0 duplicated, integrity_check ok; concord verify: OK (${verify.report.events} events, ${verify.report.seals.total} seals)`,
        `every projection equals a rebuild from zero: ${rebuild.documents} documents, checkpoints ${JSON.stringify(rebuild.checkpoints)}`,
      ].join('\n'),
    );
  });
});
