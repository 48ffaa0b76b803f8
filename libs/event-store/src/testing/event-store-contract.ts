import { chainHash, GENESIS_HASH } from '../chain';
import type { AppendResult, EventStore, StoredEvent } from '../event-store.port';
import { aNewEvent } from './event-factory';

export interface StoreUnderTest {
  readonly store: EventStore;
  /** Closes and reopens the same underlying log (a restart), when the adapter can. */
  readonly reopen?: () => Promise<EventStore>;
  readonly teardown: () => Promise<void>;
}

function appended(result: AppendResult) {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.events;
}

async function collect(store: EventStore, after: number, expected: number, timeoutMs = 5000): Promise<StoredEvent[]> {
  const subscription = store.subscribe({ after, batchSize: 2 });
  const seen: StoredEvent[] = [];
  const timer = setTimeout(() => subscription.close(), timeoutMs);
  for await (const batch of subscription) {
    seen.push(...batch);
    if (seen.length >= expected) break;
  }
  clearTimeout(timer);
  subscription.close();
  return seen;
}

/**
 * The behaviour every EventStore adapter must show. Each adapter's spec calls
 * this once with a factory; the suite itself never changes per adapter.
 */
export function describeEventStoreContract(adapter: string, create: () => Promise<StoreUnderTest>): void {
  describe(`EventStore contract: ${adapter}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.teardown();
    });

    describe('append', () => {
      it('gives a new stream revisions from 0 and increasing global positions', async () => {
        const events = appended(
          await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' }), aNewEvent({ id: 'e2' })] }),
        );
        expect(events.map((e) => [e.status, e.revision])).toEqual([
          ['appended', 0],
          ['appended', 1],
        ]);
        expect(events[1]!.position).toBeGreaterThan(events[0]!.position);
        const read = await store.readStream('order-SO-1');
        expect(read.map((e) => e.id)).toEqual(['e1', 'e2']);
        expect(read[0]).toMatchObject({ stream: 'order-SO-1', revision: 0, source: 'erp', data: { status: 'OPEN' } });
      });

      it('returns the envelope exactly as it was appended, optional fields included', async () => {
        const full = aNewEvent({
          id: 'full',
          sourceSequence: 7,
          correlationId: 'flow-1',
          causationId: 'cause-1',
          actor: { type: 'user', id: 'alice' },
          data: { status: 'OPEN', reason: 'ünïcode ✓' },
        });
        appended(await store.append({ stream: 'order-SO-1', events: [full] }));
        const [read] = await store.readStream('order-SO-1');
        expect(read).toMatchObject(full.envelope);
        expect(read!.transport).toEqual(full.transport);
        const [bare] = appended(await store.append({ stream: 'order-SO-2', events: [aNewEvent({ id: 'bare', subject: { type: 'order', id: 'SO-2' } })] }));
        const stored = await store.getEvent('bare');
        expect(stored).toBeDefined();
        expect('sourceSequence' in stored!).toBe(false);
        expect('actor' in stored!).toBe(false);
        expect(stored!.position).toBe(bare!.position);
      });

      it('is atomic per request: one refused event leaves the whole request unwritten', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'taken' })] }));
        const result = await store.append({
          stream: 'order-SO-1',
          events: [aNewEvent({ id: 'fresh' }), aNewEvent({ id: 'taken', data: { status: 'CHANGED' } })],
        });
        expect(result).toMatchObject({ ok: false, reason: 'id-reused-with-different-content', eventId: 'taken' });
        expect(await store.getEvent('fresh')).toBeUndefined();
        expect((await store.readStream('order-SO-1')).map((e) => e.id)).toEqual(['taken']);
      });

      it('keeps independent requests of one group independent', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'a' })] }));
        const results = await store.appendMany([
          { stream: 'order-SO-2', events: [aNewEvent({ id: 'b', subject: { type: 'order', id: 'SO-2' } })] },
          { stream: 'order-SO-1', events: [aNewEvent({ id: 'c' })], expectedRevision: 'no-stream' },
          { stream: 'order-SO-3', events: [aNewEvent({ id: 'd', subject: { type: 'order', id: 'SO-3' } })] },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, false, true]);
        expect(await store.getEvent('c')).toBeUndefined();
        expect((await store.readAll()).map((e) => e.id)).toEqual(['a', 'b', 'd']);
      });

      it('numbers the global log without gaps under many concurrent appends', async () => {
        const streams = ['order-A', 'order-B', 'order-C', 'order-D'];
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            store.append({
              stream: streams[i % streams.length]!,
              events: [aNewEvent({ id: `c-${i}`, subject: { type: 'order', id: streams[i % streams.length]!.slice(6) } })],
            }),
          ),
        );
        expect(results.every((r) => r.ok)).toBe(true);
        const all = await store.readAll({ limit: 1000 });
        expect(all).toHaveLength(200);
        all.forEach((event, index) => {
          if (index > 0) expect(event.position).toBeGreaterThan(all[index - 1]!.position);
        });
        for (const stream of streams) {
          const revisions = (await store.readStream(stream)).map((e) => e.revision);
          expect(revisions).toEqual(Array.from({ length: 50 }, (_, i) => i));
        }
      });
    });

    describe('optimistic concurrency', () => {
      it('no-stream succeeds once and then reports the actual revision', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })], expectedRevision: 'no-stream' }));
        const second = await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e2' })], expectedRevision: 'no-stream' });
        expect(second).toEqual({ ok: false, reason: 'wrong-expected-revision', expected: 'no-stream', actual: 0 });
      });

      it('an exact revision must match the stream tail', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' }), aNewEvent({ id: 'e2' })] }));
        expect(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e3' })], expectedRevision: 0 })).toEqual({
          ok: false,
          reason: 'wrong-expected-revision',
          expected: 0,
          actual: 1,
        });
        expect(appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e3' })], expectedRevision: 1 }))[0]).toMatchObject({
          revision: 2,
        });
      });

      it('an exact revision on a missing stream reports -1', async () => {
        expect(await store.append({ stream: 'order-none', events: [aNewEvent({ id: 'x' })], expectedRevision: 3 })).toEqual({
          ok: false,
          reason: 'wrong-expected-revision',
          expected: 3,
          actual: -1,
        });
      });
    });

    describe('idempotency', () => {
      it('stores an id once: the same content again is a duplicate at the original position', async () => {
        const [first] = appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'once' })] }));
        const [again] = appended(
          await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'once' }, { kind: 'http', requestId: 'retry-1' })] }),
        );
        expect(again).toEqual({ ...first, status: 'duplicate' });
        expect(await store.readAll()).toHaveLength(1);
        expect(await store.duplicateReceipts('once')).toEqual([
          { receivedAt: expect.any(String), transport: { kind: 'http', requestId: 'retry-1' } },
        ]);
      });

      it('refuses the same id with different content, naming the original', async () => {
        const [first] = appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'once' })] }));
        const result = await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'once', data: { status: 'X' } })] });
        expect(result).toEqual({
          ok: false,
          reason: 'id-reused-with-different-content',
          eventId: 'once',
          existing: { position: first!.position, stream: 'order-SO-1', revision: 0 },
        });
        expect((await store.getEvent('once'))!.data).toEqual({ status: 'OPEN' });
      });

      it('refuses the same id sent to another stream', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'once' })] }));
        const result = await store.append({ stream: 'order-SO-9', events: [aNewEvent({ id: 'once' })] });
        expect(result).toMatchObject({ ok: false, reason: 'id-reused-with-different-content' });
      });

      it('treats a retried request as a duplicate even when its expected revision is stale now', async () => {
        const request = { stream: 'order-SO-1', events: [aNewEvent({ id: 'r1' })], expectedRevision: 'no-stream' as const };
        appended(await store.append(request));
        const retry = appended(await store.append(request));
        expect(retry[0]!.status).toBe('duplicate');
      });

      it('within one request, a repeated id is a duplicate of its first occurrence', async () => {
        const events = appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'twin' }), aNewEvent({ id: 'twin' })] }));
        expect(events.map((e) => e.status)).toEqual(['appended', 'duplicate']);
        expect(events[1]!.position).toBe(events[0]!.position);
        expect(await store.readAll()).toHaveLength(1);
      });

      it('deduplicates across concurrent requests of the same group', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'racer' })] })),
        );
        const statuses = results.flatMap((r) => appended(r).map((e) => e.status));
        expect(statuses.filter((s) => s === 'appended')).toHaveLength(1);
        expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19);
        expect(await store.readAll()).toHaveLength(1);
      });
    });

    describe('hash chain', () => {
      it('links every event of a stream to its predecessor, starting at the genesis hash', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'h1' }), aNewEvent({ id: 'h2' })] }));
        appended(await store.append({ stream: 'order-SO-2', events: [aNewEvent({ id: 'other', subject: { type: 'order', id: 'SO-2' } })] }));
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'h3' })] }));
        const chain = await store.readStream('order-SO-1');
        expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
        for (let i = 0; i < chain.length; i++) {
          const event = chain[i]!;
          if (i > 0) expect(event.prevHash).toBe(chain[i - 1]!.hash);
          expect(event.hash).toBe(chainHash(event.prevHash, event));
          expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
        }
        expect(new Set(chain.map((e) => e.hash)).size).toBe(3);
      });

      it('a changed byte gives a different hash', async () => {
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'h1' })] }));
        const [event] = await store.readStream('order-SO-1');
        expect(chainHash(event!.prevHash, { ...event!, data: { status: 'OPEn' } })).not.toBe(event!.hash);
      });
    });

    describe('reads', () => {
      beforeEach(async () => {
        for (let i = 0; i < 10; i++) {
          appended(await store.append({ stream: i % 2 ? 'order-odd' : 'order-even', events: [aNewEvent({ id: `r${i}`, subject: { type: 'order', id: i % 2 ? 'odd' : 'even' } })] }));
        }
      });

      it('reads the global log in position order, in batches after a position', async () => {
        const first = await store.readAll({ limit: 4 });
        expect(first.map((e) => e.id)).toEqual(['r0', 'r1', 'r2', 'r3']);
        const next = await store.readAll({ after: first[3]!.position, limit: 4 });
        expect(next.map((e) => e.id)).toEqual(['r4', 'r5', 'r6', 'r7']);
        expect(await store.headPosition()).toBe((await store.readAll({ limit: 100 }))[9]!.position);
      });

      it('reads a stream between revisions', async () => {
        const part = await store.readStream('order-even', { fromRevision: 1, toRevision: 3 });
        expect(part.map((e) => [e.id, e.revision])).toEqual([
          ['r2', 1],
          ['r4', 2],
          ['r6', 3],
        ]);
        expect(await store.readStream('order-missing')).toEqual([]);
      });

      it('reports an unknown event as undefined', async () => {
        expect(await store.getEvent('nope')).toBeUndefined();
        expect(await store.duplicateReceipts('nope')).toEqual([]);
      });
    });

    describe('subscription', () => {
      it('catches up from a position, then delivers new appends live, in order', async () => {
        for (const id of ['s1', 's2', 's3']) appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id })] }));
        const [second] = await store.readAll({ limit: 2 }).then((events) => events.slice(1));
        const received = collect(store, 0, 5);
        const fromMiddle = collect(store, second!.position, 3);
        await new Promise((resolve) => setTimeout(resolve, 20));
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 's4' })] }));
        appended(await store.append({ stream: 'order-SO-2', events: [aNewEvent({ id: 's5', subject: { type: 'order', id: 'SO-2' } })] }));
        expect((await received).map((e) => e.id)).toEqual(['s1', 's2', 's3', 's4', 's5']);
        expect((await fromMiddle).map((e) => e.id)).toEqual(['s3', 's4', 's5']);
      });

      it('stops delivering when closed', async () => {
        const subscription = store.subscribe({ after: 0 });
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();
        subscription.close();
        await expect(pending).resolves.toMatchObject({ done: true });
      });
    });

    describe('health', () => {
      it('reports writable while open and refuses once closed', async () => {
        await expect(store.checkWritable()).resolves.toBeUndefined();
        await store.close();
        await expect(store.checkWritable()).rejects.toThrow(/closed/);
        await expect(store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'late' })] })).rejects.toThrow(/closed/);
      });
    });

    describe('durability', () => {
      it('keeps events and their chain across a restart', async () => {
        if (!subject.reopen) return;
        appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'd1' })] }));
        store = await subject.reopen();
        const [next] = appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'd2' })] }));
        expect(next).toMatchObject({ revision: 1 });
        const [d1, d2] = await store.readStream('order-SO-1');
        expect(d2!.prevHash).toBe(d1!.hash);
        expect(appended(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'd1' })] }))[0]!.status).toBe('duplicate');
      });
    });
  });
}
