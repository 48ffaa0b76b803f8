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
