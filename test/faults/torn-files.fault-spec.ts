/**
 * Torn and corrupted files. A hub stores events, then its files are damaged the way disks and crashes
 * damage them: the WAL cut short at seeded points (after a SIGKILL, with commits still only in the WAL),
 * the database file cut short, one bit flipped in a stored event. On restart the hub either recovers to
 * the last committed state (a consistent prefix: no gaps, chains verify, integrity ok, projections equal
 * a rebuild once rebuilt) or refuses to start with a clear message; it never serves silently changed
 * history, and the log inspector names any altered event.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type HubProcess } from '../scale/support/hub-process';
import { projectionsAt, projectionsOf as projections, projectionsSettled, startFaultHub } from './support/fault-hub';
import { inspectLog } from './support/inspect-log';
import { runVerify } from './support/verify-cli';
import { compareWithRebuild } from './support/rebuild-check';
import { seededRandom, sizeFromEnv } from './support/seeded-random';

const EVENTS = 1500;
const PER_BATCH = 100;
const SEED = sizeFromEnv('FAULTS_SEED', 20261122);
const WAL_CUTS = sizeFromEnv('FAULTS_WAL_CUTS', 3);

const idOf = (n: number) => `torn-${n}`;
const markerOf = (n: number) => `MARK-${String(n).padStart(5, '0')}`;

function eventNumber(n: number): Record<string, unknown> {
  return {
    id: idOf(n),
    source: 'erp',
    type: 'order.status-changed',
    subject: { type: 'order', id: `SO-${n % 40}` },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { status: markerOf(n) },
  };
}

describe('torn and corrupted files', () => {
  const root = mkdtempSync(join(tmpdir(), 'concord-torn-'));
  const hubs: HubProcess[] = [];
  let dirs = 0;
  let killedDir: string; // SIGKILLed: the newest commits are in the WAL only
  let stoppedDir: string; // stopped cleanly: everything is in events.db

  afterAll(async () => {
    for (const hub of hubs) hub.signal('SIGKILL');
    await Promise.all(hubs.map((hub) => hub.exited));
    rmSync(root, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<HubProcess> {
    const hub = await startFaultHub(`hub-${hubs.length}`, dataDir);
    hubs.push(hub);
    return hub;
  }

  function copyOf(dir: string): string {
    const copy = join(root, `copy-${++dirs}`);
    cpSync(dir, copy, { recursive: true });
    return copy;
  }

  beforeAll(async () => {
    killedDir = join(root, 'killed');
    const hub = await start(killedDir);
    for (let from = 0; from < EVENTS; from += PER_BATCH) {
      const { status, body } = await hub.post<{ results: Array<{ status: string }> }>('/v1/events', {
        events: Array.from({ length: PER_BATCH }, (_, i) => eventNumber(from + i)),
      });
      expect(status).toBe(200);
      expect(body.results.every((r) => r.status === 'appended')).toBe(true);
    }
    await projectionsAt(hub, EVENTS);
    stoppedDir = join(root, 'stopped');
    hub.signal('SIGKILL');
    await hub.exited;
    cpSync(killedDir, stoppedDir, { recursive: true });
    const clean = await start(stoppedDir); // recovers the WAL, then checkpoints it into events.db on a clean stop
    await clean.stop();
  }, 300_000);

  it(`a WAL cut short at ${WAL_CUTS} seeded points: recovers to a committed prefix, or refuses to start, never a broken log (seed ${SEED})`, async () => {
    const walSize = statSync(join(killedDir, 'events.db-wal')).size;
    expect(walSize).toBeGreaterThan(0); // the kill left commits in the WAL
    const random = seededRandom(SEED);
    const outcomes: string[] = [];
    for (let cut = 0; cut < WAL_CUTS; cut++) {
      const dir = copyOf(killedDir);
      const length = Math.floor(walSize * (0.05 + 0.9 * random()));
      truncateSync(join(dir, 'events.db-wal'), length);
      let hub: HubProcess;
      try {
        hub = await start(dir);
      } catch (error) {
        expect(String(error)).toMatch(/Concord cannot start: the event log .*events\.db is damaged \(.+\)/);
        outcomes.push(`WAL cut to ${length}/${walSize} bytes: refused to start`);
        continue;
      }
      // Started: what it serves is a prefix of what was committed, and projections ahead of it say so.
      const views = await projectionsSettled(hub);
      const head = views[0]!.headPosition;
      expect(head).toBeLessThanOrEqual(EVENTS);
      for (const view of views) {
        if (view.checkpoint > head) {
          expect(view.state).toBe('failed');
          expect(view.lastError?.message).toMatch(/the event log ends at \d+: the log lost its tail/);
          expect((await hub.post(`/v1/projections/${view.name}/rebuild`, {})).status).toBe(202);
        }
      }
      await projectionsAt(hub, head);
      // The recovered log takes new events at the next positions.
      const more = await hub.post<{ results: Array<{ status: string; position: number }> }>('/v1/events', { events: [eventNumber(EVENTS + cut)] });
      expect(more.body.results[0]).toMatchObject({ status: 'appended', position: head + 1 });
      await projectionsAt(hub, head + 1);
      await hub.stop();

      const log = inspectLog(join(dir, 'events.db'));
      expect(log.integrity).toEqual(['ok']);
      expect(log.problems).toEqual([]);
      expect(log.events).toBe(head + 1);
      for (let n = 0; n < head; n++) expect(log.ids.has(idOf(n))).toBe(true);
      // The chains of what is left verify; a seal signed over events the cut WAL lost is named by verify (that
      // loss is what seals exist to show), never passed over.
      const verified = await runVerify(dir);
      expect(verified.report.events).toBe(head + 1);
      if (!verified.report.ok) expect(verified.report.broken).toMatchObject({ kind: 'seal-mismatch', position: expect.any(Number) });
      if (!verified.report.ok) expect(verified.report.broken!.position).toBeGreaterThan(head);
      const sealNote = verified.report.ok ? 'verify OK' : `verify names the lost sealed tail (${verified.report.broken!.kind} at position ${verified.report.broken!.position}, seal #${verified.report.broken!.seal})`;
      const rebuild = await compareWithRebuild(dir);
      expect(rebuild.notRebuilt).toEqual([]);
      expect(rebuild.samples).toEqual([]);
      expect(rebuild.differences).toEqual([]);
      for (const checkpoint of Object.values(rebuild.checkpoints)) expect(checkpoint).toEqual({ live: head + 1, rebuilt: head + 1 });
      outcomes.push(`WAL cut to ${length}/${walSize} bytes: started with ${head} of ${EVENTS} events (a committed prefix); ${sealNote}`);
    }
    console.log(`torn WAL (seed ${SEED}):\n${outcomes.join('\n')}`);
  }, 600_000);

  it('a database file cut short: refuses to start, saying the file is damaged', async () => {
    const dir = copyOf(stoppedDir);
    const file = join(dir, 'events.db');
    const size = statSync(file).size;
    truncateSync(file, Math.floor((size * 0.6) / 4096) * 4096);
    await expect(start(dir)).rejects.toThrow(/Concord cannot start: the event log .*events\.db is damaged \((SQLite.+)\); the hub does not start on it/);
    expect(inspectLog(file).integrity).not.toEqual(['ok']);
  }, 120_000);

  /** Flips the lowest bit of the last digit of event n's marker in the file: still valid JSON, another value. */
  function flipBitOf(file: string, n: number): void {
    const bytes = readFileSync(file);
    const marker = Buffer.from(`"status":"${markerOf(n)}"`);
    const at = bytes.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(marker, at + 1)).toBe(-1);
    bytes[at + marker.length - 2]! ^= 0x01;
    writeFileSync(file, bytes);
  }

  it('one bit flipped in an old event: the hub starts, but refuses to serve or project it, naming it; the inspector names it', async () => {
    const dir = copyOf(stoppedDir);
    flipBitOf(join(dir, 'events.db'), 42);
    const hub = await start(dir);
    await projectionsSettled(hub);

    const read = await hub.get<{ reason: string; message: string; event: { id: string } }>(`/v1/events/${idOf(42)}`);
    expect(read.status).toBe(500);
    expect(read.body).toMatchObject({ reason: 'corrupted-history', event: { id: idOf(42), position: 43 } });
    expect(read.body.message).toMatch(/event "torn-42" at position 43 .*does not match its hash/);
    expect((await hub.get(`/v1/streams/order-SO-${42 % 40}`)).status).toBe(500);
    // The auditor's history of that entity reads the same stream: refused too, never the altered value.
    const history = await hub.get<{ reason: string }>(`/v1/audit/entities/order/SO-${42 % 40}`);
    expect(history).toMatchObject({ status: 500, body: { reason: 'corrupted-history' } });
    // Neither the stored (flipped: …42 became …43) nor the original value is in the answer.
    for (const value of [markerOf(42), markerOf(43)]) expect(JSON.stringify(history.body)).not.toContain(value);
    expect((await hub.get(`/v1/events/${idOf(41)}`)).status).toBe(200);
    // The hub's own verify (POST /v1/audit/verify, what an auditor runs through the API) names it as well.
    expect((await hub.post('/v1/audit/verify', {})).status).toBe(202);
    const run = await eventually('the API verify run ends', async () => {
      const { body } = await hub.get<{ state: string; broken?: { kind: string; position: number } }>('/v1/audit/verify');
      return body.state === 'running' || body.state === 'idle' ? undefined : body;
    }, 60_000, 100);
    expect(run).toMatchObject({ state: 'broken', broken: { kind: 'content-changed', position: 43 } });

    // A rebuild replays the log from zero and stops at the altered event instead of projecting it.
    expect((await hub.post('/v1/projections/entity-view/rebuild', {})).status).toBe(202);
    const failed = await eventually('the rebuild stops at the altered event', async () => (await projections(hub)).find((p) => p.name === 'entity-view' && p.state === 'failed'), 60_000, 100);
    // It stops before the batch that holds it (the log refuses the whole read), naming the event.
    expect(failed).toMatchObject({ lastError: { eventId: idOf(42), position: 43 } });
    expect(failed!.checkpoint).toBeLessThan(43);
    await hub.stop();

    const log = inspectLog(join(dir, 'events.db'));
    expect(log.integrity).toEqual(['ok']); // SQLite cannot see it: only the hash chain can
    expect(log.problems).toEqual([]); // positions, revisions and links are intact: only the content changed
    expect(await runVerify(dir)).toMatchObject({ exitCode: 1, report: { ok: false, broken: { kind: 'content-changed', position: 43 } } });
  }, 120_000);

  it('one bit flipped in one of the newest events: refuses to start, naming the event', async () => {
    const dir = copyOf(stoppedDir);
    flipBitOf(join(dir, 'events.db'), EVENTS - 3);
    await expect(start(dir)).rejects.toThrow(
      new RegExp(`Concord cannot start: the event log .*events\\.db is damaged \\(event "${idOf(EVENTS - 3)}" at position ${EVENTS - 2} .*does not match its hash\\)`),
    );
    expect(await runVerify(dir)).toMatchObject({ exitCode: 1, report: { ok: false, broken: { kind: 'content-changed', position: EVENTS - 2 } } });
  }, 120_000);
});
