import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aNewEvent, describeEventStoreContract } from '../testing';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';

function onTempFile(options: SqliteEventStoreOptions) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    const file = join(dir, 'events.db');
    let current = SqliteEventStore.open(file, { pollIntervalMs: 20, ...options });
    return {
      get store() {
        return current;
      },
      reopen: async () => {
        await current.close();
        current = SqliteEventStore.open(file, { pollIntervalMs: 20, ...options });
        return current;
      },
      teardown: async () => {
        await current.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

// The default: a worker thread owns the writing connection.
describeEventStoreContract('SQLite (writer thread)', onTempFile({}));
// The caller's thread writes (in-memory databases, callers that own the connection).
describeEventStoreContract('SQLite (inline writer)', onTempFile({ writer: 'inline' }));

describe('SQLite event log shared by two writers (e.g. a CLI beside the hub)', () => {
  it.each(['thread', 'inline'] as const)('keeps positions gap-free and the chain linked (%s writers)', async (writer) => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    const file = join(dir, 'events.db');
    const first = SqliteEventStore.open(file, { writer });
    const second = SqliteEventStore.open(file, { writer });
    try {
      const results = [];
      for (let i = 0; i < 6; i++) {
        const store = i % 2 === 0 ? first : second;
        results.push(await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: `w-${i}` })] }));
      }
      expect(results.map((r) => r.ok && r.events[0]!.position)).toEqual([1, 2, 3, 4, 5, 6]);
      const stream = await first.readStream('order-SO-1');
      expect(stream.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
      stream.forEach((event, i) => {
        if (i > 0) expect(event.prevHash).toBe(stream[i - 1]!.hash);
      });
      const duplicate = await second.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'w-0' })] });
      expect(duplicate.ok && duplicate.events[0]!.status).toBe('duplicate');
    } finally {
      await first.close();
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite event log appended to by two writers at once (two ingest processes on one data directory)', () => {
  // Each store's writer thread holds its own connection, so the two contend for the file's write lock
  // exactly as two processes do. Both write the same streams, and half of the ids reach both of them
  // (a Kafka redelivery to the other consumer after a rebalance).
  it('stores every id once, with gap-free positions, gap-free revisions and intact chains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    const file = join(dir, 'events.db');
    const stores = [SqliteEventStore.open(file), SqliteEventStore.open(file)] as const;
    const streams = ['order-SO-1', 'order-SO-2', 'order-SO-3'];
    const idsFor = (writer: number, round: number) =>
      [`shared-${round}-a`, `shared-${round}-b`, `only-${writer}-${round}`];
    try {
      // Each writer answers its appends one after the other, so the two stores' commits interleave
      // (many small transactions), each starting from a head the other store has just moved.
      const appendAll = async (writer: number) => {
        const store = stores[writer]!;
        const results = [];
        for (let round = 0; round < 60; round++) {
          const stream = streams[round % streams.length]!;
          // One event per request: a redelivered id must not fail the other ids of its batch.
          results.push(...(await Promise.all(idsFor(writer, round).map((id) => store.append({ stream, events: [aNewEvent({ id })] })))));
        }
        return results;
      };
      const results = (await Promise.all([appendAll(0), appendAll(1)])).flat();
      expect(results.filter((r) => !r.ok)).toEqual([]);

      const all = await stores[0].readAll({ limit: 10_000 });
      const expectedIds = new Set(stores.flatMap((_, w) => Array.from({ length: 60 }, (_, r) => idsFor(w, r)).flat()));
      expect(all).toHaveLength(expectedIds.size);
      expect(new Set(all.map((e) => e.id))).toEqual(expectedIds);
      expect(all.map((e) => e.position)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));

      // Whichever writer stored an id first, the other was told "duplicate" with the same position.
      const positionOf = new Map(all.map((e) => [e.id, e.position]));
      for (const result of results) {
        for (const event of result.ok ? result.events : []) expect(event.position).toBe(positionOf.get(event.id));
      }
      expect(results.filter((r) => r.ok && r.events[0]!.status === 'duplicate')).toHaveLength(120);

      for (const stream of streams) {
        const events = await stores[1].readStream(stream);
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        events.forEach((event, i) => {
          if (i > 0) expect(event.prevHash).toBe(events[i - 1]!.hash);
        });
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    // Reopening checks the newest events of the file against their hashes.
    await SqliteEventStore.open(file).close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('SqliteEventStore telemetry', () => {
  it('counts queued events until their group commit and reports each commit', async () => {
    const { aNewEvent } = await import('../testing');
    const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    const commits: Array<{ requests: number; events: number }> = [];
    store.onCommit(({ requests, events }) => commits.push({ requests, events }));
    const first = store.appendMany([{ stream: 'order-1', events: [aNewEvent({ id: 'e1' }), aNewEvent({ id: 'e2' })] }]);
    const second = store.append({ stream: 'order-2', events: [aNewEvent({ id: 'e3', subject: { type: 'order', id: '2' } })] });
    expect(store.pendingEvents()).toBe(3);
    await Promise.all([first, second]);
    expect(store.pendingEvents()).toBe(0);
    expect(commits).toEqual([{ requests: 2, events: 3 }]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('SqliteEventStore hash feed (what the sealer folds)', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    store = SqliteEventStore.open(join(dir, 'events.db'), { pollIntervalMs: 10_000 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const appendEvents = (ids: readonly string[]) =>
    store.appendMany(ids.map((id, i) => ({ stream: `order-${i % 3}`, events: [aNewEvent({ id, subject: { type: 'order', id: String(i % 3) } })] })));

  it('reads exactly the positions and stored hashes that whole-event reads give, in log order, from a position on', async () => {
    await appendEvents(['h1', 'h2', 'h3', 'h4', 'h5']);
    const events = await store.readAll({ limit: 100 });
    expect(await store.readHashes({ limit: 100 })).toEqual(events.map(({ position, hash }) => ({ position, hash })));
    expect(await store.readHashes({ after: 2, limit: 2 })).toEqual(events.slice(2, 4).map(({ position, hash }) => ({ position, hash })));
    expect(await store.readHashes({ after: 5 })).toEqual([]);
  });

  it('subscribes like subscribe(): catch-up from a position, then woken by appends of this process', async () => {
    await appendEvents(['h1', 'h2', 'h3']);
    const subscription = store.subscribeToHashes({ after: 1, batchSize: 10 });
    const seen: number[] = [];
    const done = (async () => {
      for await (const batch of subscription) {
        seen.push(...batch.map((entry) => entry.position));
        if (seen.length === 4) break;
      }
    })();
    // The poll interval is 10 s: only the append's wake-up can deliver these in time.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await appendEvents(['h4', 'h5']);
    await done;
    subscription.close();
    expect(seen).toEqual([2, 3, 4, 5]);
    const hashes = await store.readHashes({ after: 1 });
    expect(hashes.map((entry) => entry.hash)).toEqual((await store.readAll({ after: 1 })).map((event) => event.hash));
  });
});

describe('SqliteEventStore refuses history changed behind its back', () => {
  const alterations: Array<[string, string]> = [
    ['one character of data', "UPDATE events SET data = replace(data, 'OPEN', 'OPEM') WHERE event_id = 'x-2'"],
    ['data that is no longer JSON', "UPDATE events SET data = substr(data, 2) WHERE event_id = 'x-2'"],
    ['the recorded time', "UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE event_id = 'x-2'"],
    ['the revision', "UPDATE events SET revision = 7 WHERE event_id = 'x-2'"],
    ['the stored hash', "UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE event_id = 'x-2'"],
    ['the link to the predecessor', "UPDATE events SET prev_hash = hash WHERE event_id = 'x-2'"],
  ];

  it.each(alterations)('%s: every read of the event fails, naming it; its neighbours still read', async (_what, sql) => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      await store.append({ stream: 'order-SO-1', events: ['x-1', 'x-2', 'x-3'].map((id) => aNewEvent({ id })) });
      // The triggers guard the hub's own connection; an editor or a flipped bit on disk does not ask them.
      store.db.exec('DROP TRIGGER events_are_immutable');
      store.db.exec(sql);
      const named = /event "x-2" at position 2 \(stream order-SO-1, revision \d+\)|event "x-2" at position 2 cannot be read/;
      await expect(store.getEvent('x-2')).rejects.toThrow(named);
      await expect(store.readStream('order-SO-1')).rejects.toThrow(named);
      await expect(store.readAll()).rejects.toThrow(named);
      await expect(store.getEvent('x-2')).rejects.toMatchObject({ name: 'CorruptedHistoryError', event: { id: 'x-2', position: 2, stream: 'order-SO-1' } });
      expect((await store.getEvent('x-1'))?.id).toBe('x-1');
      expect((await store.readAll({ after: 2 })).map((e) => e.id)).toEqual(['x-3']);
    } finally {
      await store.close();
    }
    try {
      // Reopened, the newest events are checked before anything is served: the store refuses to open.
      expect(() => SqliteEventStore.open(join(dir, 'events.db'))).toThrow(/events\.db is damaged \(event "x-2" at position 2 .*does not match its hash\); the hub does not start on it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a sound file, and refuses one that is not a database, with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
    try {
      const store = SqliteEventStore.open(join(dir, 'events.db'));
      await store.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'x-1' })] });
      await store.close();
      await SqliteEventStore.open(join(dir, 'events.db')).close();
      writeFileSync(join(dir, 'other.db'), Buffer.alloc(8192, 7));
      expect(() => SqliteEventStore.open(join(dir, 'other.db'))).toThrow(/other\.db is damaged \(SQLite: file is not a database\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
