/**
 * Overload. The hub's projections are made deliberately slow (support/slow-projection-hub.ts: each event
 * costs FAULTS_PROJECTION_MS_PER_EVENT), so what the whole system sustains is the projections' rate. An
 * open-loop client offers twice that rate (batches on a fixed schedule, whatever the answers), for a
 * while. Pass: the hub's RSS stays under 512 MiB, refusals are 429/503 with Retry-After, after the load
 * every refused batch is accepted on retry, projection lag returns to zero, and nothing is lost or doubled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authHeader } from '../e2e/support/auth';
import { type HubProcess } from '../scale/support/hub-process';
import { projectionsAt, rssOf, startFaultHub } from './support/fault-hub';
import { sizeFromEnv } from './support/seeded-random';
import { assertStoreHealthy } from './support/store-health';

const MS_PER_EVENT = sizeFromEnv('FAULTS_PROJECTION_MS_PER_EVENT', 1);
/** What the slow projections sustain, in events/s (their delay alone; the real figure is a little lower). */
const SUSTAINABLE = Math.floor(1000 / MS_PER_EVENT);
const OFFERED = 2 * SUSTAINABLE;
const LOAD_SECONDS = sizeFromEnv('FAULTS_OVERLOAD_SECONDS', 10);
const PER_BATCH = 100;
const LAG_LIMIT = 3000;
const RSS_LIMIT = 512 * 1024 * 1024;

describe('overload: twice the sustainable rate against slow projections', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-overload-'));
  let hub: HubProcess | undefined;

  afterAll(async () => {
    hub?.signal('SIGKILL');
    await hub?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`offers ${OFFERED} events/s for ${LOAD_SECONDS} s: bounded memory, 429/503 with Retry-After, lag back to zero, nothing lost`, async () => {
    hub = await startFaultHub(
      'hub-overload',
      dataDir,
      { CONCORD_MAX_PROJECTION_LAG_EVENTS: String(LAG_LIMIT), FAULTS_PROJECTION_MS_PER_EVENT: String(MS_PER_EVENT) },
      'test/faults/support/slow-projection-hub.ts',
    );
    const running = hub;
    const pid = running.child.pid!;
    let next = 0;
    const acked = new Set<string>();
    const retry: Array<Array<Record<string, unknown>>> = [];
    const answers = new Map<number, number>();
    const missingRetryAfter: number[] = [];
    /** Answers other than 200 (each event appended or duplicate) and 429/503: none may come. */
    const unexpected: string[] = [];
    const startRss = rssOf(pid) ?? 0;
    let peakRss = startRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(pid) ?? 0)), 100);

    const batchOf = () =>
      Array.from({ length: PER_BATCH }, () => {
        const n = next++;
        return {
          id: `load-${n}`,
          source: n % 2 === 0 ? 'erp' : 'crm',
          type: 'order.status-changed',
          subject: { type: 'order', id: `SO-${n % 200}` },
          occurredAt: '2026-11-21T09:00:00Z',
          correlationId: `flow-${n % 100}`,
          data: { status: `S${n}` },
        };
      });
    const send = async (events: Array<Record<string, unknown>>): Promise<number> => {
      let response: Response;
      try {
        response = await fetch(`${running.url}/v1/events`, { method: 'POST', headers: { ...authHeader(), 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
      } catch {
        retry.push(events);
        answers.set(0, (answers.get(0) ?? 0) + 1);
        return 0;
      }
      answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
      const body = (await response.json()) as { results?: Array<{ id: string; status: string }> };
      if (response.status === 200) {
        for (const result of body.results!) {
          if (result.status === 'appended' || result.status === 'duplicate') acked.add(result.id);
          else unexpected.push(`refused: ${JSON.stringify(result)}`);
        }
      } else {
        // Recorded, not thrown: open-loop requests are not awaited one by one, and a throw would go unheard.
        if (response.status !== 429 && response.status !== 503) unexpected.push(`${response.status}: ${JSON.stringify(body)}`);
        if (!/^\d+$/.test(response.headers.get('retry-after') ?? '')) missingRetryAfter.push(response.status);
        retry.push(events);
      }
      return response.status;
    };

    // Open loop: a batch every PER_BATCH / OFFERED seconds, whatever the answers.
    const intervalMs = (1000 * PER_BATCH) / OFFERED;
    const inFlight = new Set<Promise<number>>();
    const startedAt = Date.now();
    let sentBatches = 0;
    while (Date.now() - startedAt < LOAD_SECONDS * 1000) {
      const due = Math.floor((Date.now() - startedAt) / intervalMs) + 1;
      while (sentBatches < due) {
        sentBatches++;
        const request = send(batchOf());
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    const offeredEvents = next;
    const loadSeconds = (Date.now() - startedAt) / 1000;

    // After the load: every refused batch again, with the same ids, until accepted (pausing as told).
    let rounds = 0;
    while (retry.length > 0 && unexpected.length === 0) {
      rounds++;
      const batch = retry.shift()!;
      const status = await send(batch);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(unexpected).toEqual([]);
    expect(acked.size).toBe(offeredEvents);
    const drainedAt = Date.now();
    await projectionsAt(running, offeredEvents, 10 * 60_000);
    const lagZeroAfterMs = Date.now() - drainedAt;
    clearInterval(sampler);
    await running.stop();

    expect(missingRetryAfter).toEqual([]);
    // Refused, never dropped: every request got an answer.
    expect(answers.get(0)).toBeUndefined();
    expect((answers.get(503) ?? 0) + (answers.get(429) ?? 0)).toBeGreaterThan(0); // the overload was real and refused
    console.log(`overload RSS: at start ${(startRss / 1048576).toFixed(0)} MiB, peak ${(peakRss / 1048576).toFixed(0)} MiB`);
    expect(peakRss).toBeLessThan(RSS_LIMIT);
    const { log } = await assertStoreHealthy(dataDir, { acknowledged: acked, events: offeredEvents });

    console.log(
      [
        `overload: projections slowed to ${MS_PER_EVENT} ms/event (≤ ${SUSTAINABLE} events/s); offered ${OFFERED} events/s open-loop for ${loadSeconds.toFixed(1)} s (${offeredEvents} events, lag limit ${LAG_LIMIT})`,
        `answers: ${[...answers].map(([status, n]) => `${status || 'no answer'}×${n}`).join(', ')}; every refusal carried Retry-After; ${rounds} retries after the load`,
        `hub peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB (limit 512); lag back to zero ${lagZeroAfterMs} ms after the last retry; ${log.events} events stored once each; verify OK; projections equal a rebuild`,
        `(shared 2-core machine, other agents' load on it)`,
      ].join('\n'),
    );
  }, 15 * 60_000);
});
