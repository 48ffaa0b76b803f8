import { InvalidDocumentQueryError } from '../document-path';
import { UnstorableDocumentError } from '../document-text';
import { LeaseLostError } from '../projection-lease.port';
import { CheckpointConflictError, type DocumentQuery, type ReadModelStore } from '../read-model-store.port';

export interface ReadModelStoreUnderTest {
  readonly store: ReadModelStore;
  readonly teardown: () => Promise<void>;
}

const AT = '2026-11-21T10:00:00.000Z';
const TTL = 10_000;

function later(ms: number): string {
  return new Date(Date.parse(AT) + ms).toISOString();
}

/** The behaviour every ReadModelStore adapter must show (SQLite, PostgreSQL). */
export function describeReadModelStoreContract(adapter: string, create: () => Promise<ReadModelStoreUnderTest>): void {
  describe(`ReadModelStore contract: ${adapter}`, () => {
    let subject: ReadModelStoreUnderTest;
    let store: ReadModelStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });

    afterEach(() => subject.teardown());

    async function seed(docs: Record<string, Record<string, unknown>>, position = 1): Promise<void> {
      const current = (await store.checkpoint('p'))?.position ?? 0;
      await store.commit({
        name: 'p',
        version: 1,
        expectedPosition: current,
        position: current + position,
        state: 'running',
        at: AT,
        changes: Object.entries(docs).map(([key, doc]) => ({ collection: 'c', key, doc })),
      });
    }

    it('commits documents and the checkpoint together', async () => {
      await seed({ 'order/1': { n: 1 } });
      expect(await store.get('c', 'order/1')).toEqual({ n: 1 });
      expect(await store.checkpoint('p')).toEqual({ name: 'p', version: 1, position: 1, state: 'running', updatedAt: AT });
      expect(await store.get('c', 'missing')).toBeUndefined();
      expect(await store.checkpoint('nobody')).toBeUndefined();
    });

    it('refuses a commit computed from a stale checkpoint and keeps nothing of it', async () => {
      await seed({ a: { v: 1 } });
      await expect(
        store.commit({ name: 'p', version: 1, expectedPosition: 0, position: 5, state: 'running', at: AT, changes: [{ collection: 'c', key: 'a', doc: { v: 2 } }] }),
      ).rejects.toBeInstanceOf(CheckpointConflictError);
      expect(await store.get('c', 'a')).toEqual({ v: 1 });
      expect((await store.checkpoint('p'))!.position).toBe(1);
    });

    it('deletes documents and reads many at once', async () => {
      await seed({ a: { v: 1 }, b: { v: 2 }, c: { v: 3 } });
      await store.commit({ name: 'p', version: 1, expectedPosition: 1, position: 2, state: 'running', at: AT, changes: [{ collection: 'c', key: 'b', doc: undefined }] });
      const many = await store.getMany('c', ['a', 'b', 'c', 'zzz']);
      expect([...many.entries()].sort()).toEqual([
        ['a', { v: 1 }],
        ['c', { v: 3 }],
      ]);
    });

    it('queries by key prefix, conditions and order, with keyset pages', async () => {
      await seed({
        'order/1': { state: { status: 'done', total: 5 }, at: '2026-01-03' },
        'order/2': { state: { status: 'open', total: 7 }, at: '2026-01-01' },
        'order/3': { state: { status: 'done', total: 9 }, at: '2026-01-02' },
        'customer/1': { state: { status: 'done' }, at: '2026-01-09' },
      });
      const done = await store.query('c', { keyPrefix: 'order/', where: [{ path: 'state.status', op: 'eq', value: 'done' }], limit: 10 });
      expect(done.items.map((i) => i.key)).toEqual(['order/1', 'order/3']);
      const byDate = await store.query('c', { keyPrefix: 'order/', orderBy: { path: 'at', direction: 'desc' }, limit: 2 });
      expect(byDate.items.map((i) => i.key)).toEqual(['order/1', 'order/3']);
      expect(byDate.hasMore).toBe(true);
      const last = byDate.items[1]!;
      const next = await store.query('c', { keyPrefix: 'order/', orderBy: { path: 'at', direction: 'desc' }, limit: 2, after: { value: last.sortValue, key: last.key } });
      expect(next.items.map((i) => i.key)).toEqual(['order/2']);
      expect(next.hasMore).toBe(false);
      const big = await store.query('c', { where: [{ path: 'state.total', op: 'gte', value: 7 }], limit: 10 });
      expect(big.items.map((i) => i.key)).toEqual(['order/2', 'order/3']);
      const withTotal = await store.query('c', { where: [{ path: 'state.total', op: 'exists' }], limit: 10 });
      expect(withTotal.items).toHaveLength(3);
    });

    it('treats filter values as data, never as query text', async () => {
      await seed({ a: { name: "x' OR '1'='1" }, b: { name: 'y' } });
      const page = await store.query('c', { where: [{ path: 'name', op: 'eq', value: "x' OR '1'='1" }], limit: 10 });
      expect(page.items.map((i) => i.key)).toEqual(['a']);
      const none = await store.query('c', { where: [{ path: 'name', op: 'eq', value: "' OR 1=1 --" }], limit: 10 });
      expect(none.items).toEqual([]);
    });

    it('refuses malformed document paths', async () => {
      await expect(store.query('c', { where: [{ path: "a') OR 1=1 --", op: 'exists' }], limit: 1 })).rejects.toThrow(/not a document path/);
    });

    it('resets a projection: its collections emptied, checkpoint back to 0, state rebuilding', async () => {
      await seed({ a: { v: 1 } });
      await store.reset('p', 2, ['c'], AT);
      expect(await store.get('c', 'a')).toBeUndefined();
      expect(await store.checkpoint('p')).toMatchObject({ position: 0, version: 2, state: 'rebuilding' });
    });

    it('records a failure with its error without moving the position', async () => {
      await seed({ a: { v: 1 } });
      const failure = { eventId: 'e9', position: 9, message: 'boom', at: AT };
      await store.markState('p', 1, 'failed', AT, failure);
      expect(await store.checkpoint('p')).toMatchObject({ position: 1, state: 'failed', lastError: failure });
      expect((await store.checkpoints()).map((c) => c.name)).toEqual(['p']);
    });

    /** Every key of a query, page by page through the keyset cursor. */
    async function allKeys(query: Omit<DocumentQuery, 'after' | 'limit'>, limit: number): Promise<{ keys: string[]; values: unknown[] }> {
      const keys: string[] = [];
      const values: unknown[] = [];
      let after: DocumentQuery['after'];
      for (let pages = 0; pages < 100; pages++) {
        const page = await store.query('c', { ...query, limit, ...(after ? { after } : {}) });
        keys.push(...page.items.map((i) => i.key));
        values.push(...page.items.map((i) => i.sortValue));
        const last = page.items[page.items.length - 1];
        if (!page.hasMore || !last) break;
        after = { value: last.sortValue, key: last.key };
      }
      return { keys, values };
    }

    describe('query semantics (document-query.ts)', () => {
      const mixed = {
        n1: { v: 10 },
        n2: { v: 9.5 },
        n3: { v: -1 },
        s1: { v: 'b' },
        t1: { v: 'b' },
        s2: { v: 'B' },
        s3: { v: '10' },
        s4: { v: 'é' },
        s5: { v: '😀' },
        s6: { v: '\uffff' },
        m1: {},
        m2: { v: null },
        m3: { v: true },
        m4: { v: { x: 1 } },
        m5: { v: [1] },
      };
      const ascending = ['n3', 'n2', 'n1', 's3', 's2', 's1', 't1', 's4', 's6', 's5', 'm1', 'm2', 'm3', 'm4', 'm5'];
      const ascendingValues = [-1, 9.5, 10, '10', 'B', 'b', 'b', 'é', '\uffff', '😀', null, null, null, null, null];

      it('orders numbers, then strings by code point, then everything else; ties and the rest by key', async () => {
        await seed(mixed);
        for (const limit of [1, 2, 4, 100]) {
          expect(await allKeys({ orderBy: { path: 'v', direction: 'asc' } }, limit)).toEqual({ keys: ascending, values: ascendingValues });
        }
      });

      it('orders descending as the exact reverse, and keyset pages never skip or repeat', async () => {
        await seed(mixed);
        for (const limit of [1, 3, 100]) {
          expect(await allKeys({ orderBy: { path: 'v', direction: 'desc' } }, limit)).toEqual({
            keys: [...ascending].reverse(),
            values: [...ascendingValues].reverse(),
          });
        }
      });

      it('orders by key in code point order, with the key as the sort value', async () => {
        await seed({ b: {}, B: {}, é: {}, '😀': {}, '\uffff': {}, a10: {}, a9: {} });
        const expected = ['B', 'a10', 'a9', 'b', 'é', '\uffff', '😀'];
        expect(await allKeys({}, 2)).toEqual({ keys: expected, values: expected });
        expect((await allKeys({ orderBy: { path: '', direction: 'desc' } }, 3)).keys).toEqual([...expected].reverse());
      });

      it('compares typed: a string matches only strings, a number only numbers, a boolean only booleans', async () => {
        await seed({ a: { v: 5 }, b: { v: '5' }, c: { v: true }, d: { v: 1 }, e: { v: 'true' }, f: { v: { x: 1 } }, h: { v: 1.5 }, i: { v: false } });
        const keys = async (where: DocumentQuery['where']) => (await store.query('c', { where, limit: 50 })).items.map((i) => i.key);
        expect(await keys([{ path: 'v', op: 'eq', value: 5 }])).toEqual(['a']);
        expect(await keys([{ path: 'v', op: 'eq', value: '5' }])).toEqual(['b']);
        expect(await keys([{ path: 'v', op: 'eq', value: true }])).toEqual(['c']);
        expect(await keys([{ path: 'v', op: 'eq', value: false }])).toEqual(['i']);
        expect(await keys([{ path: 'v', op: 'eq', value: 1 }])).toEqual(['d']);
        expect(await keys([{ path: 'v', op: 'eq', value: 'true' }])).toEqual(['e']);
        expect(await keys([{ path: 'v', op: 'eq', value: '{"x":1}' }])).toEqual([]);
        expect(await keys([{ path: 'v', op: 'gte', value: 2 }])).toEqual(['a']);
        expect(await keys([{ path: 'v', op: 'lte', value: 1.5 }])).toEqual(['d', 'h']);
        expect(await keys([{ path: 'v', op: 'gte', value: '5' }])).toEqual(['b', 'e']);
        expect(await keys([{ path: 'v', op: 'gte', value: 1 }, { path: 'v', op: 'lte', value: 5 }])).toEqual(['a', 'd', 'h']);
        expect(await keys([{ path: 'v', op: 'exists' }])).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'h', 'i']);
      });

      it('walks object members only: a digit segment names a member, never an array element', async () => {
        await seed({ arr: { a: ['x'], n: null }, obj: { a: { '0': 'x' } } });
        const keys = async (where: DocumentQuery['where']) => (await store.query('c', { where, limit: 50 })).items.map((i) => i.key);
        expect(await keys([{ path: 'a.0', op: 'exists' }])).toEqual(['obj']);
        expect(await keys([{ path: 'a.0', op: 'eq', value: 'x' }])).toEqual(['obj']);
        expect(await keys([{ path: 'n', op: 'exists' }])).toEqual(['arr']); // present, though null
        expect((await allKeys({ orderBy: { path: 'a.0', direction: 'asc' } }, 5)).values).toEqual(['x', null]);
      });

      it('takes a key prefix literally, characters like % and _ included, in code point order', async () => {
        await seed({ 'a%': {}, 'a%b': {}, a_b: {}, ab: {}, 'a\uffffz': {}, 'a😀': {}, b: {}, '%': {} });
        const keys = async (keyPrefix: string) => (await store.query('c', { keyPrefix, limit: 50 })).items.map((i) => i.key);
        expect(await keys('a%')).toEqual(['a%', 'a%b']);
        expect(await keys('a_')).toEqual(['a_b']);
        expect(await keys('a')).toEqual(['a%', 'a%b', 'a_b', 'ab', 'a\uffffz', 'a😀']);
        expect(await keys('a\uffff')).toEqual(['a\uffffz']);
        expect(await keys('a😀')).toEqual(['a😀']);
      });

      it('refuses query text no document could hold, before it reaches the database', async () => {
        await seed({ a: { v: 'x' } });
        await expect(store.query('c', { where: [{ path: 'v', op: 'eq', value: 'x\u0000' }], limit: 1 })).rejects.toBeInstanceOf(InvalidDocumentQueryError);
        await expect(store.query('c', { keyPrefix: '\u0000', limit: 1 })).rejects.toBeInstanceOf(InvalidDocumentQueryError);
        await expect(store.query('c', { orderBy: { path: 'v', direction: 'asc' }, after: { value: 'a\u0000', key: 'a' }, limit: 1 })).rejects.toBeInstanceOf(
          InvalidDocumentQueryError,
        );
        expect(await store.get('c', 'a\u0000')).toBeUndefined();
        expect((await store.getMany('c', ['a', 'a\u0000'])).size).toBe(1);
      });
    });

    describe('documents', () => {
      it('round-trips JSON exactly: unicode, escapes, numbers, nesting, empty containers, null', async () => {
        const doc = {
          text: 'Grüße 😀 \u2028 "quoted" \\u0000 back\\slash \t\n',
          numbers: [0, 0.1, -42, 1e300, 2 ** 53 - 1, 1.5e-10],
          nested: { deep: { deeper: { list: [{ a: 1 }, [], {}] } } },
          nothing: null,
          yes: true,
        };
        await seed({ d: doc });
        expect(await store.get('c', 'd')).toEqual(doc);
        expect((await store.getMany('c', ['d'])).get('d')).toEqual(doc);
        expect((await store.query('c', { limit: 1 })).items[0]!.doc).toEqual(doc);
      });

      it('refuses a document no store can hold (U+0000, unpaired surrogates) and keeps nothing of its commit', async () => {
        await seed({ kept: { v: 1 } });
        for (const bad of [{ s: 'a\u0000b' }, { s: 'a\ud800b' }, { ['k\u0000']: 1 }, { s: '\udc00' }]) {
          await expect(
            store.commit({ name: 'p', version: 1, expectedPosition: 1, position: 2, state: 'running', at: AT, changes: [{ collection: 'c', key: 'other', doc: { v: 2 } }, { collection: 'c', key: 'bad', doc: bad }] }),
          ).rejects.toBeInstanceOf(UnstorableDocumentError);
        }
        await expect(
          store.commit({ name: 'p', version: 1, expectedPosition: 1, position: 2, state: 'running', at: AT, changes: [{ collection: 'c', key: 'k\u0000', doc: {} }] }),
        ).rejects.toBeInstanceOf(UnstorableDocumentError);
        expect(await store.get('c', 'other')).toBeUndefined();
        expect((await store.checkpoint('p'))!.position).toBe(1);
      });

      it('applies the last change when one commit changes a document twice', async () => {
        await store.commit({
          name: 'p', version: 1, expectedPosition: 0, position: 1, state: 'running', at: AT,
          changes: [
            { collection: 'c', key: 'a', doc: { v: 1 } },
            { collection: 'c', key: 'a', doc: { v: 2 } },
            { collection: 'c', key: 'b', doc: { v: 1 } },
            { collection: 'c', key: 'b', doc: undefined },
            { collection: 'c', key: 'c', doc: undefined },
            { collection: 'c', key: 'c', doc: { v: 3 } },
          ],
        });
        expect([...(await store.getMany('c', ['a', 'b', 'c'])).entries()].sort()).toEqual([
          ['a', { v: 2 }],
          ['c', { v: 3 }],
        ]);
      });

      it('reads many documents at once', async () => {
        const docs = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, { i }]));
        await seed(docs);
        const found = await store.getMany('c', [...Object.keys(docs), 'missing']);
        expect(found.size).toBe(1500);
        expect(found.get('k1499')).toEqual({ i: 1499 });
        expect((await store.getMany('c', [])).size).toBe(0);
      });

      it('resets only the collections it is given', async () => {
        await store.commit({
          name: 'p', version: 1, expectedPosition: 0, position: 1, state: 'running', at: AT,
          changes: [{ collection: 'c', key: 'a', doc: {} }, { collection: 'other', key: 'a', doc: { mine: false } }],
        });
        await store.reset('p', 1, ['c'], AT);
        expect(await store.get('c', 'a')).toBeUndefined();
        expect(await store.get('other', 'a')).toEqual({ mine: false });
      });

      it('lets exactly one of two commits from the same checkpoint land, the first one included', async () => {
        const attempt = (doc: Record<string, unknown>) =>
          store.commit({ name: 'p', version: 1, expectedPosition: 0, position: 1, state: 'running', at: AT, changes: [{ collection: 'c', key: 'k', doc }] });
        const results = await Promise.allSettled([attempt({ by: 'one' }), attempt({ by: 'two' })]);
        const landed = results.filter((r) => r.status === 'fulfilled');
        const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        expect(landed).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toBeInstanceOf(CheckpointConflictError);
        const winner = results[0]!.status === 'fulfilled' ? 'one' : 'two';
        expect(await store.get('c', 'k')).toEqual({ by: winner });
      });
    });

    describe('projection leases', () => {
      const request = (owner: string, at = AT) => ({ name: 'p', owner, at, ttlMs: TTL });

      it('grants a free lease, reports the live holder to others, and renews for its holder', async () => {
        const first = await store.acquireLease(request('a'));
        expect(first).toEqual({ acquired: true, lease: { name: 'p', owner: 'a', token: 1, expiresAt: later(TTL) } });
        expect(await store.acquireLease(request('b', later(TTL - 1)))).toEqual({ acquired: false, holder: { name: 'p', owner: 'a', token: 1, expiresAt: later(TTL) } });
        expect(await store.acquireLease(request('a', later(5000)))).toEqual({ acquired: true, lease: { name: 'p', owner: 'a', token: 1, expiresAt: later(5000 + TTL) } });
        expect(await store.renewLease('p', { owner: 'a', token: 1 }, later(9000), TTL)).toEqual({ name: 'p', owner: 'a', token: 1, expiresAt: later(9000 + TTL) });
        expect(await store.lease('p')).toEqual({ name: 'p', owner: 'a', token: 1, expiresAt: later(9000 + TTL) });
        expect(await store.lease('other')).toBeUndefined();
      });

      it('refuses to renew for a wrong owner or token', async () => {
        await store.acquireLease(request('a'));
        expect(await store.renewLease('p', { owner: 'b', token: 1 }, AT, TTL)).toBeUndefined();
        expect(await store.renewLease('p', { owner: 'a', token: 2 }, AT, TTL)).toBeUndefined();
        expect(await store.renewLease('q', { owner: 'a', token: 1 }, AT, TTL)).toBeUndefined();
      });

      it('hands a lapsed lease to a standby with a new token, and fences every write of the old holder', async () => {
        await store.acquireLease(request('a'));
        const old = { owner: 'a', token: 1 };
        await store.commit({ name: 'p', version: 1, expectedPosition: 0, position: 1, state: 'running', at: AT, fence: old, changes: [{ collection: 'c', key: 'k', doc: { by: 'a' } }] });

        const takeover = await store.acquireLease(request('b', later(TTL)));
        expect(takeover).toEqual({ acquired: true, lease: { name: 'p', owner: 'b', token: 2, expiresAt: later(2 * TTL) } });
        const fresh = { owner: 'b', token: 2 };

        expect(await store.renewLease('p', old, later(TTL), TTL)).toBeUndefined();
        await expect(
          store.commit({ name: 'p', version: 1, expectedPosition: 1, position: 2, state: 'running', at: AT, fence: old, changes: [{ collection: 'c', key: 'k', doc: { by: 'a again' } }] }),
        ).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.markState('p', 1, 'stopped', AT, undefined, old)).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.reset('p', 1, ['c'], AT, old)).rejects.toBeInstanceOf(LeaseLostError);
        expect(await store.get('c', 'k')).toEqual({ by: 'a' });
        expect(await store.checkpoint('p')).toMatchObject({ position: 1, state: 'running' });

        await store.commit({ name: 'p', version: 1, expectedPosition: 1, position: 2, state: 'running', at: AT, fence: fresh, changes: [{ collection: 'c', key: 'k', doc: { by: 'b' } }] });
        await store.markState('p', 1, 'failed', AT, { eventId: 'e', position: 3, message: 'boom', at: AT }, fresh);
        expect(await store.get('c', 'k')).toEqual({ by: 'b' });
        expect(await store.checkpoint('p')).toMatchObject({ position: 2, state: 'failed' });
      });

      it('keeps a lapsed lease with its holder until someone else takes it; taking it again after a lapse starts a new token', async () => {
        await store.acquireLease(request('a'));
        expect(await store.renewLease('p', { owner: 'a', token: 1 }, later(3 * TTL), TTL)).toMatchObject({ token: 1 });
        expect(await store.acquireLease(request('a', later(10 * TTL)))).toMatchObject({ acquired: true, lease: { token: 2 } });
      });

      it('lets a standby take a released lease at once', async () => {
        await store.acquireLease(request('a'));
        await store.releaseLease('p', { owner: 'a', token: 1 }, later(1));
        expect(await store.acquireLease(request('b', later(2)))).toMatchObject({ acquired: true, lease: { owner: 'b', token: 2 } });
        await store.releaseLease('p', { owner: 'a', token: 1 }, later(3)); // a stale release changes nothing
        expect(await store.acquireLease(request('c', later(4)))).toMatchObject({ acquired: false, holder: { owner: 'b' } });
      });

      it('refuses a fenced write when nobody holds the lease, and keeps leases per projection', async () => {
        await expect(
          store.commit({ name: 'p', version: 1, expectedPosition: 0, position: 1, state: 'running', at: AT, fence: { owner: 'a', token: 1 }, changes: [] }),
        ).rejects.toBeInstanceOf(LeaseLostError);
        await store.acquireLease({ ...request('a'), name: 'q' });
        await expect(store.markState('p', 1, 'running', AT, undefined, { owner: 'a', token: 1 })).rejects.toBeInstanceOf(LeaseLostError);
        expect(await store.acquireLease(request('b'))).toMatchObject({ acquired: true, lease: { owner: 'b', token: 1 } });
      });

      it('grants a contested lease to exactly one of two projectors', async () => {
        const results = await Promise.all([store.acquireLease(request('a')), store.acquireLease(request('b'))]);
        expect(results.filter((r) => r.acquired)).toHaveLength(1);
        const loser = results.find((r) => !r.acquired);
        const winner = results.find((r) => r.acquired);
        expect(loser && !loser.acquired && winner && winner.acquired && loser.holder.owner === winner.lease.owner).toBe(true);
      });
    });
  });
}
