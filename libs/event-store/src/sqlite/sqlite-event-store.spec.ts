import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../testing';
import { SqliteEventStore } from './sqlite-event-store';

describeEventStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-store-'));
  const file = join(dir, 'events.db');
  let current = SqliteEventStore.open(file, { pollIntervalMs: 20 });
  return {
    get store() {
      return current;
    },
    reopen: async () => {
      await current.close();
      current = SqliteEventStore.open(file, { pollIntervalMs: 20 });
      return current;
    },
    teardown: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
