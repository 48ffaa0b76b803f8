import { join } from 'node:path';
import type { Clock } from '@concord/common';
import { KurrentEventStore, SqliteEventStore, type EventStore, type KurrentClient } from '@concord/event-store';
import { SqliteKeyVault } from '@concord/personal-data';
import { openDatabase, type SqliteDatabase } from '@concord/sqlite';
import type { ConcordConfig } from '../config/concord-config';

/** The event log the configuration asks for (`CONCORD_EVENT_STORE`). */
export function openEventLog(config: ConcordConfig, clock: Clock, kurrentClient?: KurrentClient): EventStore {
  if (config.CONCORD_EVENT_STORE === 'kurrentdb') {
    if (kurrentClient) return new KurrentEventStore(kurrentClient, { clock });
    return KurrentEventStore.connect(config.CONCORD_KURRENTDB_URL!, { clock });
  }
  return SqliteEventStore.open(join(config.CONCORD_DATA_DIR, 'events.db'), {
    clock,
    synchronous: config.CONCORD_SQLITE_SYNCHRONOUS,
    maxEventsPerCommit: config.CONCORD_MAX_EVENTS_PER_COMMIT,
    writer: config.CONCORD_SQLITE_WRITER,
  });
}

/**
 * The SQLite file for what stays on this machine (the quarantine): the event
 * log's own file when the log is embedded, so a refusal is exactly as durable as
 * an acceptance; `quarantine.db` in the data directory when the log is on
 * KurrentDB. At scale the quarantine moves to the shared read-model store.
 */
export interface LocalDatabase {
  readonly db: SqliteDatabase;
  /** True when this file is separate from the event log and must be closed on its own. */
  readonly separate: boolean;
}

export function openLocalDatabase(config: ConcordConfig, log: EventStore): LocalDatabase {
  if (log instanceof SqliteEventStore) return { db: log.db, separate: false };
  return { db: openDatabase(join(config.CONCORD_DATA_DIR, 'quarantine.db'), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS }), separate: true };
}

/**
 * The per-subject key vault (`keys.db` in the data directory), a file of its own
 * so that copies of the log never carry the keys that open its personal fields.
 */
export function openKeyVault(config: ConcordConfig, clock: Clock): SqliteKeyVault {
  return SqliteKeyVault.open(join(config.CONCORD_DATA_DIR, 'keys.db'), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS, now: () => clock.now() });
}
