import { CheckpointConflictError, type ReadModelStore } from '../read-model-store.port';

export interface ReadModelStoreUnderTest {
  readonly store: ReadModelStore;
  readonly teardown: () => Promise<void>;
}

const AT = '2026-11-21T10:00:00.000Z';

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
  });
}
