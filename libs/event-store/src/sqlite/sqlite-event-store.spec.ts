import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../testing';
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
