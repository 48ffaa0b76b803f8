import { spawn, type ChildProcess } from 'node:child_process';
import { authHeader, TEST_SECURITY_ENV } from './support/auth';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { chainHash, GENESIS_HASH, type StoredEvent } from '@concord/event-store';
import { orderCreated, startHub, statusChanged, tempDataDir } from './support/hub';

function expectLinkedChain(events: readonly StoredEvent[]): void {
  events.forEach((event, index) => {
    expect(event.revision).toBe(index);
    expect(event.prevHash).toBe(index === 0 ? GENESIS_HASH : events[index - 1]!.hash);
    expect(event.hash).toBe(chainHash(event.prevHash, event));
  });
}

describe('restart', () => {
  it('a second hub on the same data directory sees every event, extends the chains and recognises duplicates', async () => {
    const first = await startHub();
    const batch = [orderCreated('r-1'), statusChanged('r-2', 'SO-1001', 'SHIPPED'), orderCreated('r-3', { subject: { type: 'order', id: 'SO-2' } })];
    expect((await first.post('/v1/events', { events: batch })).status).toBe(200);
    await first.post('/v1/events', { id: 'r-bad' });
    await first.close();

    const second = await startHub({ dataDir: first.dataDir, clock: first.clock, seed: 2 });
    try {
      const again = await second.post('/v1/events', { events: [...batch, statusChanged('r-4', 'SO-1001', 'DONE')] });
      expect(again.body.results.map((r: { status: string; position: number }) => [r.status, r.position])).toEqual([
        ['duplicate', 1],
        ['duplicate', 2],
        ['duplicate', 3],
        ['appended', 4],
      ]);
      const stream = await second.get('/v1/streams/order-SO-1001?view=stored');
      expect(stream.body.events.map((e: StoredEvent) => e.id)).toEqual(['r-1', 'r-2', 'r-4']);
      expectLinkedChain(stream.body.events);
      expect((await second.get('/v1/events/r-2')).body.receivedCount).toBe(2);
      expect((await second.get('/v1/quarantine')).body.items).toHaveLength(1);
      const changed = await second.post('/v1/events', statusChanged('r-2', 'SO-1001', 'CANCELLED'));
      expect(changed.body.results[0]).toMatchObject({ status: 'rejected', reason: 'id-reused-with-different-content' });
    } finally {
      await second.destroy();
    }
  });

  describe('of a real hub process killed with SIGKILL', () => {
    const root = join(__dirname, '..', '..');
    let dataDir: string;
    let child: ChildProcess | undefined;

    beforeEach(() => {
      dataDir = tempDataDir();
    });

    afterEach(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Starts `apps/hub/src/main.ts` on a free port and resolves with its base URL once it listens. */
    function startProcess(): Promise<string> {
      child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/hub/src/main.ts'], {
        cwd: root,
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_DATA_DIR: dataDir, NO_COLOR: '1', FORCE_COLOR: '0', ...TEST_SECURITY_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const started = child;
      return new Promise((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 30_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/[^\s)]+)/.exec(output.replace(/\u001b\[[0-9;]*m/g, ''));
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!.replace('localhost', '127.0.0.1'));
          }
        };
        started.stdout!.on('data', onData);
        started.stderr!.on('data', onData);
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`hub exited with ${code}:\n${output}`));
        });
      });
    }

    async function kill(): Promise<void> {
      const running = child!;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    }

    async function post(base: string, body: unknown) {
      const response = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeader() }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { results: Array<{ status: string; position: number }> } };
    }

    it('keeps every acknowledged event, its chain and its idempotency', async () => {
      const base = await startProcess();
      const events = Array.from({ length: 50 }, (_, i) => statusChanged(`k-${i}`, `SO-${i % 3}`, `S${i}`));
      const acknowledged = await Promise.all([post(base, { events: events.slice(0, 25) }), post(base, { events: events.slice(25) })]);
      expect(acknowledged.every((a) => a.status === 200 && a.body.results.every((r) => r.status === 'appended'))).toBe(true);
      await kill();

      const restarted = await startProcess();
      const health = (await (await fetch(`${restarted}/health`)).json()) as { headPosition: number };
      expect(health.headPosition).toBe(50);
      for (const stream of ['order-SO-0', 'order-SO-1', 'order-SO-2']) {
        const read = (await (await fetch(`${restarted}/v1/streams/${stream}?view=stored`, { headers: authHeader() })).json()) as { events: StoredEvent[] };
        expect(read.events.length).toBeGreaterThanOrEqual(16);
        expectLinkedChain(read.events);
      }
      const retried = await post(restarted, { events: [...events.slice(10, 20), statusChanged('k-new', 'SO-0', 'LAST')] });
      expect(retried.body.results.map((r) => r.status)).toEqual([...Array(10).fill('duplicate'), 'appended']);
      expect(retried.body.results[10]!.position).toBe(51);
      await kill();
    }, 60_000);
  });
});
