import { NO_STREAM, UnavailableError, type AppendResult as ClientAppendResult } from '@eventstore/db-client';
import { ManualClock, StoreUnavailableError } from '@concord/common';
import { chainHash, contentDigest, GENESIS_HASH } from '../chain';
import type { AppendResult, StoredEvent } from '../event-store.port';
import { aNewEvent, FakeKurrentClient, type AppendCall } from '../testing';
import { eventUuidOf } from './event-uuid';
import { KurrentEventStore } from './kurrent-event-store';

const http = (requestId: string) => ({ kind: 'http', requestId }) as const;

function appended(result: AppendResult) {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.events;
}

/** Two hub processes on one database: separate adapters (separate in-process queues), one server. */
function twoHubs(client = new FakeKurrentClient()) {
  const clock = new ManualClock('2026-11-21T10:00:00Z');
  return {
    client,
    a: new KurrentEventStore(client, { clock, subscriptionRetryDelaysMs: [1, 1, 1] }),
    b: new KurrentEventStore(client, { clock, subscriptionRetryDelaysMs: [1, 1, 1] }),
  };
}

/** Runs `meanwhile` once, right before the first append to `stream` is applied by the server. */
function beforeFirstAppendTo(client: FakeKurrentClient, stream: string, meanwhile: () => Promise<unknown>): void {
  let done = false;
  client.interceptAppends(async (call, apply) => {
    if (!done && call.streamName === stream) {
      done = true;
      await meanwhile();
    }
    return apply();
  });
}

/** The first append to `stream` never reaches the log: the connection fails before the server applies it. */
function failFirstAppendTo(client: FakeKurrentClient, stream: string): void {
  let fail = true;
  client.interceptAppends(async (call, apply) => {
    if (fail && call.streamName === stream) {
      fail = false;
      throw new UnavailableError(undefined, 'leader lost');
    }
    return apply();
  });
}

function businessAppends(client: FakeKurrentClient): AppendCall[] {
  return client.appendCalls.filter((call) => !call.streamName.startsWith('$'));
}

describe('KurrentEventStore', () => {
  describe('what it writes to KurrentDB', () => {
    it('writes a Concord event with a deterministic UUID, the contract type, the payload as data and the rest as metadata', async () => {
      const { client, a } = twoHubs();
      const event = aNewEvent({ id: 'erp-1', correlationId: 'flow-7', data: { status: 'OPEN' } });

      appended(await a.append({ stream: 'order-SO-1', events: [event] }));

      const [record] = client.records().filter((r) => r.streamId === 'order-SO-1');
      expect(record).toMatchObject({ id: eventUuidOf('erp-1'), type: 'order.status-changed', data: { status: 'OPEN' }, isJson: true });
      expect(record!.metadata).toMatchObject({
        concord: 1,
        id: 'erp-1',
        source: 'erp',
        correlationId: 'flow-7',
        $correlationId: 'flow-7',
        contentDigest: contentDigest(event.envelope),
        prevHash: GENESIS_HASH,
      });
    });

    it('appends with NO_STREAM to a new stream and with the exact tail revision afterwards, never ANY', async () => {
      const { client, a } = twoHubs();

      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e2' }), aNewEvent({ id: 'e3' })] }));

      expect(businessAppends(client).map((call) => call.expectedRevision)).toEqual([NO_STREAM, 0n]);
    });

    it('claims each new id once, in $concord-id-<id>, with NO_STREAM, bound to its stream and content', async () => {
      const { client, a } = twoHubs();
      const event = aNewEvent({ id: 'erp-1' });

      appended(await a.append({ stream: 'order-SO-1', events: [event] }));
      appended(await a.append({ stream: 'order-SO-1', events: [event] }));

      const claims = client.appendCalls.filter((call) => call.streamName === '$concord-id-erp-1');
      expect(claims).toHaveLength(1);
      expect(claims[0]!.expectedRevision).toBe(NO_STREAM);
      expect(claims[0]!.events[0]!.data).toMatchObject({ id: 'erp-1', stream: 'order-SO-1', contentDigest: contentDigest(event.envelope), floor: -1 });
    });

    it('keeps duplicate receipts in $concord-receipts-<id>, one event per later delivery', async () => {
      const { client, a } = twoHubs();
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'erp-1' })] }));

      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'erp-1' }, http('retry-1'))] }));
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'erp-1' }, http('retry-2'))] }));

      expect(client.records().filter((r) => r.streamId === '$concord-receipts-erp-1')).toHaveLength(2);
      expect((await a.duplicateReceipts('erp-1')).map((r) => r.transport)).toEqual([http('retry-1'), http('retry-2')]);
    });
  });

  describe('positions', () => {
    it('are KurrentDB commit positions: increasing, not consecutive', async () => {
      const { client, a } = twoHubs();
      const events = appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' }), aNewEvent({ id: 'e2' })] }));

      const records = client.records().filter((r) => r.streamId === 'order-SO-1');
      expect(events.map((e) => e.position)).toEqual(records.map((r) => Number(r.position.commit)));
      expect(events[1]!.position - events[0]!.position).toBeGreaterThan(1);
    });

    it('readAll and headPosition skip system records, id claims, receipts, heartbeats and other applications\' events', async () => {
      const { client, a } = twoHubs();
      const [e1] = appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' }, http('retry'))] }));
      client.appendSystemRecord('$stats-127.0.0.1:2113', '$statsCollected');
      await client.appendToStream('billing-legacy', { id: '0b1e5a52-0000-4000-8000-000000000001', contentType: 'application/json', type: 'LegacyThing', data: {}, metadata: undefined });
      await a.checkWritable();

      expect((await a.readAll()).map((e) => e.id)).toEqual(['e1']);
      expect(await a.headPosition()).toBe(e1!.position);
    });

    it('headPosition is 0 for a log without Concord events', async () => {
      const { a } = twoHubs();
      await a.checkWritable();
      expect(await a.headPosition()).toBe(0);
    });

    it('reads after a position across pages of bookkeeping records without losing or repeating events', async () => {
      const { a } = twoHubs();
      for (let i = 0; i < 30; i++) {
        appended(await a.append({ stream: `order-${i % 3}`, events: [aNewEvent({ id: `p${i}`, subject: { type: 'order', id: String(i % 3) } })] }));
        appended(await a.append({ stream: `order-${i % 3}`, events: [aNewEvent({ id: `p${i}`, subject: { type: 'order', id: String(i % 3) } }, http(`r${i}`))] }));
      }
      const ids: string[] = [];
      let after = 0;
      for (;;) {
        const page = await a.readAll({ after, limit: 7 });
        if (page.length === 0) break;
        ids.push(...page.map((e) => e.id));
        after = page[page.length - 1]!.position;
      }
      expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`));
    });
  });

  describe('idempotency across hub processes', () => {
    it('chains onto an event another process appended between its tail read and its append', async () => {
      const { client, a, b } = twoHubs();
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));
      beforeFirstAppendTo(client, 'order-SO-1', () => b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'from-b' })] }));

      const [mine] = appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'from-a' })] }));

      expect(mine).toMatchObject({ status: 'appended', revision: 2 });
      const chain = await a.readStream('order-SO-1');
      expect(chain.map((e) => e.id)).toEqual(['e1', 'from-b', 'from-a']);
      chain.forEach((event, i) => {
        expect(event.prevHash).toBe(i === 0 ? GENESIS_HASH : chain[i - 1]!.hash);
        expect(event.hash).toBe(chainHash(event.prevHash, event));
      });
    });

    it('stores an id once when two processes append it to the same stream at the same moment', async () => {
      const { client, a, b } = twoHubs();
      let fromB: AppendResult | undefined;
      beforeFirstAppendTo(client, 'order-SO-1', async () => {
        fromB = await b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'racer' }, http('b'))] });
      });

      const fromA = await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'racer' }, http('a'))] });

      const statuses = [...appended(fromA), ...appended(fromB!)].map((e) => e.status).sort();
      expect(statuses).toEqual(['appended', 'duplicate']);
      expect(await a.readAll()).toHaveLength(1);
    });

    it('reports a duplicate when the server absorbed its append as a repeat of a concurrent identical write', async () => {
      // B writes the same event (same UUID) at the same expected revision: the server's idempotency check
      // answers A with success without writing. A must notice the stored event is B's, not claim "appended".
      const { client, a, b } = twoHubs();
      let reachServer!: () => void;
      let release!: () => void;
      const aReachedServer = new Promise<void>((resolve) => (reachServer = resolve));
      const aMayProceed = new Promise<void>((resolve) => (release = resolve));
      let first = true;
      client.interceptAppends(async (call, apply) => {
        if (call.streamName === 'order-SO-1' && first) {
          first = false;
          reachServer();
          await aMayProceed;
        }
        return apply();
      });
      const fromA = a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'same' }, http('a'))] });
      await aReachedServer;
      const fromB = await b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'same' }, http('b'))] });
      release();

      expect(appended(fromB)[0]!.status).toBe('appended');
      expect(appended(await fromA)[0]).toMatchObject({ status: 'duplicate', revision: 0 });
      expect(await a.readAll()).toHaveLength(1);
      expect((await a.getEvent('same'))!.transport).toEqual(http('b'));
    });

    it('also works with a client that reports conflicts as { success: false } (throwOnAppendFailure=false)', async () => {
      const { client, a, b } = twoHubs(new FakeKurrentClient({ throwOnAppendFailure: false }));
      let fromB: AppendResult | undefined;
      beforeFirstAppendTo(client, 'order-SO-1', async () => {
        fromB = await b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'racer' }, http('b'))] });
      });
      const fromA = await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'racer' }, http('a'))] });

      expect([...appended(fromA), ...appended(fromB!)].map((e) => e.status).sort()).toEqual(['appended', 'duplicate']);

      let first = true;
      client.interceptAppends(async (call, apply) => {
        if (first && call.streamName === '$concord-id-shared') {
          first = false;
          appended(await b.append({ stream: 'order-SO-2', events: [aNewEvent({ id: 'shared', subject: { type: 'order', id: 'SO-2' } })] }));
        }
        return apply();
      });
      const refused = await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'shared' })] });

      expect(refused).toMatchObject({ ok: false, reason: 'id-reused-with-different-content' });
      expect((await a.readAll()).map((e) => e.id)).toEqual(['racer', 'shared']);
    });

    it('refuses an id that another process is storing in another stream at the same moment', async () => {
      const { client, a, b } = twoHubs();
      let fromB: AppendResult | undefined;
      let first = true;
      client.interceptAppends(async (call, apply) => {
        if (first && call.streamName === '$concord-id-shared') {
          first = false;
          fromB = await b.append({ stream: 'order-SO-2', events: [aNewEvent({ id: 'shared', subject: { type: 'order', id: 'SO-2' } })] });
        }
        return apply();
      });

      const fromA = await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'shared' })] });

      expect(appended(fromB!)[0]!.status).toBe('appended');
      expect(fromA).toMatchObject({ ok: false, reason: 'id-reused-with-different-content', existing: { stream: 'order-SO-2', revision: 0 } });
      expect((await a.readAll()).map((e) => e.stream)).toEqual(['order-SO-2']);
    });

    it('still reports a wrong expected revision when a concurrent append moved the stream', async () => {
      const { client, a, b } = twoHubs();
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));
      beforeFirstAppendTo(client, 'order-SO-1', () => b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'from-b' })] }));

      const result = await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'from-a' })], expectedRevision: 0 });

      expect(result).toEqual({ ok: false, reason: 'wrong-expected-revision', expected: 0, actual: 1 });
      expect(await a.getEvent('from-a')).toBeUndefined();
    });

    it('gives up with 503 when the stream keeps changing under every attempt', async () => {
      const client = new FakeKurrentClient();
      const store = new KurrentEventStore(client, { maxAttempts: 3 });
      const other = new KurrentEventStore(client);
      let n = 0;
      client.interceptAppends(async (call, apply) => {
        if (call.streamName === 'order-SO-1' && call.events[0]!.id === eventUuidOf('victim')) {
          await other.append({ stream: 'order-SO-1', events: [aNewEvent({ id: `noise-${n++}` })] });
        }
        return apply();
      });

      await expect(store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'victim' })] })).rejects.toThrow(StoreUnavailableError);
      expect(n).toBe(3);
    });
  });

  describe('interrupted writes', () => {
    it('a lost append response is answered with 503, and the retry is a duplicate, not a second copy', async () => {
      const { client, a } = twoHubs();
      let lose = true;
      client.interceptAppends(async (call, apply) => {
        const result: ClientAppendResult = apply();
        if (lose && call.streamName === 'order-SO-1') {
          lose = false;
          throw new UnavailableError(undefined, 'connection reset after the write');
        }
        return result;
      });

      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] })).rejects.toThrow(StoreUnavailableError);
      const [retry] = appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));

      expect(retry!.status).toBe('duplicate');
      expect(await a.readAll()).toHaveLength(1);
    });

    it('an id claimed by a write that never happened is completed by a retry of the same event', async () => {
      const { client, a, b } = twoHubs();
      failFirstAppendTo(client, 'order-SO-1');
      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] })).rejects.toThrow(StoreUnavailableError);
      expect(await a.getEvent('e1')).toBeUndefined();

      const [retry] = appended(await b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' }, http('retry'))] }));

      expect(retry).toMatchObject({ status: 'appended', revision: 0 });
      expect((await a.getEvent('e1'))!.transport).toEqual(http('retry'));
    });

    it('an id claimed by a write that never happened still refuses different content (conservative: never two meanings)', async () => {
      const { client, a } = twoHubs();
      failFirstAppendTo(client, 'order-SO-1');
      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] })).rejects.toThrow(StoreUnavailableError);

      const result = await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1', data: { status: 'OTHER' } })] });

      expect(result).toEqual({
        ok: false,
        reason: 'id-reused-with-different-content',
        eventId: 'e1',
        existing: { position: 0, stream: 'order-SO-1', revision: -1 },
      });
    });

    it('finds an interrupted event written after other events of its stream', async () => {
      const { client, a, b } = twoHubs();
      failFirstAppendTo(client, 'order-SO-1');
      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'late' })] })).rejects.toThrow(StoreUnavailableError);
      for (const id of ['x1', 'x2']) appended(await b.append({ stream: 'order-SO-1', events: [aNewEvent({ id })] }));

      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'late' })] }));
      const [again] = appended(await b.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'late' })] }));

      expect(again).toMatchObject({ status: 'duplicate', revision: 2 });
      expect((await a.readStream('order-SO-1')).map((e) => e.id)).toEqual(['x1', 'x2', 'late']);
    });
  });

  describe('failures', () => {
    it('turns an unreachable server into 503s for appends, reads and health, with the reason', async () => {
      const { client, a } = twoHubs();
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));
      client.setAvailable(false);

      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e2' })] })).rejects.toThrow(StoreUnavailableError);
      await expect(a.readStream('order-SO-1')).rejects.toThrow(StoreUnavailableError);
      await expect(a.readAll()).rejects.toThrow(StoreUnavailableError);
      await expect(a.getEvent('e1')).rejects.toThrow(StoreUnavailableError);
      await expect(a.checkWritable()).rejects.toThrow(/KurrentDB cannot take writes: KurrentDB is unavailable/);

      client.setAvailable(true);
      await expect(a.checkWritable()).resolves.toBeUndefined();
      expect((await a.readAll()).map((e) => e.id)).toEqual(['e1']);
    });

    it('refuses to append to, or read, a stream holding events Concord did not write', async () => {
      const { client, a } = twoHubs();
      await client.appendToStream('order-SO-1', { id: '0b1e5a52-0000-4000-8000-000000000002', contentType: 'application/json', type: 'Foreign', data: {}, metadata: undefined });

      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] })).rejects.toThrow(/order-SO-1 ends with an event Concord did not write/);
      await expect(a.readStream('order-SO-1')).rejects.toThrow(/Concord did not write/);
    });

    it('refuses appends after close but lets the ones in flight finish', async () => {
      const { a } = twoHubs();
      const inFlight = a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] });
      const closing = a.close();

      await expect(a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e2' })] })).rejects.toThrow(/closed/);
      expect(appended(await inFlight)[0]!.status).toBe('appended');
      await closing;
    });

    it('disposes the client on close only when it owns it', async () => {
      const client = new FakeKurrentClient();
      const dispose = jest.spyOn(client, 'dispose');
      await new KurrentEventStore(client).close();
      expect(dispose).not.toHaveBeenCalled();
      await new KurrentEventStore(client, { ownsClient: true }).close();
      expect(dispose).toHaveBeenCalledTimes(1);
    });
  });

  describe('health', () => {
    it('writes a heartbeat and caps its stream to one event, once', async () => {
      const { client, a } = twoHubs();
      await a.checkWritable();
      await a.checkWritable();

      expect(client.records().filter((r) => r.streamId === '$concord-heartbeat')).toHaveLength(2);
      const caps = client.records().filter((r) => r.streamId === '$$$concord-heartbeat');
      expect(caps.map((r) => r.data)).toEqual([{ $maxCount: 1 }]);
    });
  });

  describe('subscription', () => {
    it('asks the server to leave out system streams (where the bookkeeping lives)', async () => {
      const client = new FakeKurrentClient();
      const subscribe = jest.spyOn(client, 'subscribeToAll');
      for (const store of [new KurrentEventStore(client), new KurrentEventStore(client, { namespace: 'tenant_a' })]) {
        const subscription = store.subscribe({ after: 0 });
        const pending = subscription[Symbol.asyncIterator]().next();
        subscription.close();
        await pending;
      }

      expect(subscribe.mock.calls[0]![0]).toMatchObject({ fromPosition: 'start', filter: { filterOn: 'streamName', regex: '^[^$]' } });
      expect(subscribe.mock.calls[1]![0]).toMatchObject({ filter: { filterOn: 'streamName', prefixes: ['tenant_a.'] } });
    });

    it('resubscribes from the last delivered position when the server drops it: no gap, no repeat', async () => {
      const { client, a } = twoHubs();
      for (const id of ['s1', 's2']) appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id })] }));
      const subscription = a.subscribe({ after: 0, batchSize: 10 });
      const iterator = subscription[Symbol.asyncIterator]();

      const first = await iterator.next();
      client.failSubscriptions();
      appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 's3' })] }));
      const second = await iterator.next();
      subscription.close();

      expect((first.value as StoredEvent[]).map((e) => e.id)).toEqual(['s1', 's2']);
      expect((second.value as StoredEvent[]).map((e) => e.id)).toEqual(['s3']);
    });

    it('fails with 503 once the server keeps dropping it beyond the retry budget', async () => {
      const client = new FakeKurrentClient();
      const store = new KurrentEventStore(client, { subscriptionRetryDelaysMs: [1, 1] });
      client.setAvailable(false);

      const iterator = store.subscribe()[Symbol.asyncIterator]();

      await expect(iterator.next()).rejects.toThrow(/failed 3 times in a row: KurrentDB is unavailable/);
    });

    it('hands out at most batchSize events per batch', async () => {
      const { a } = twoHubs();
      for (let i = 0; i < 5; i++) appended(await a.append({ stream: 'order-SO-1', events: [aNewEvent({ id: `b${i}` })] }));
      const subscription = a.subscribe({ after: 0, batchSize: 2 });
      const sizes: number[] = [];
      for await (const batch of subscription) {
        sizes.push(batch.length);
        if (sizes.reduce((x, y) => x + y, 0) >= 5) break;
      }
      subscription.close();
      expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    });
  });

  describe('namespaces', () => {
    it('keep hubs sharing one database apart: streams, ids, reads and subscriptions', async () => {
      const client = new FakeKurrentClient();
      const tenantA = new KurrentEventStore(client, { namespace: 'tenant_a' });
      const tenantB = new KurrentEventStore(client, { namespace: 'tenant_b' });
      const plain = new KurrentEventStore(client);

      appended(await tenantA.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1' })] }));
      const [inB] = appended(await tenantB.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'e1', data: { status: 'B' } })] }));

      expect(inB!.status).toBe('appended');
      expect(client.records().map((r) => r.streamId)).toEqual(expect.arrayContaining(['tenant_a.order-SO-1', 'tenant_b.order-SO-1', '$concord.tenant_a-id-e1']));
      expect((await tenantA.readAll()).map((e) => [e.stream, e.data])).toEqual([['order-SO-1', { status: 'OPEN' }]]);
      expect(await plain.readAll()).toEqual([]);
      expect((await tenantB.getEvent('e1'))!.data).toEqual({ status: 'B' });
    });

    it('must be lower-case letters, digits and underscores', () => {
      expect(() => new KurrentEventStore(new FakeKurrentClient(), { namespace: 'Tenant-A' })).toThrow(TypeError);
      expect(() => new KurrentEventStore(new FakeKurrentClient(), { namespace: 'a.b' })).toThrow(TypeError);
    });
  });
});
