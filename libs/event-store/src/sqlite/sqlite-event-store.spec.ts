import { mkdtempSync, rmSync } from 'node:fs';
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
