import type { Migration } from '@concord/sqlite';

export const EVENT_LOG_NAMESPACE = 'event-log';

export const eventLogMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'events, duplicate receipts, append-only guards',
    sql: `
      CREATE TABLE events (
        position        INTEGER PRIMARY KEY,
        event_id        TEXT    NOT NULL UNIQUE,
        stream          TEXT    NOT NULL,
        revision        INTEGER NOT NULL,
        type            TEXT    NOT NULL,
        schema_version  INTEGER NOT NULL,
        source          TEXT    NOT NULL,
        subject_type    TEXT    NOT NULL,
        subject_id      TEXT    NOT NULL,
        occurred_at     TEXT    NOT NULL,
        recorded_at     TEXT    NOT NULL,
        source_sequence INTEGER,
        correlation_id  TEXT,
        causation_id    TEXT,
        actor           TEXT,
        data            TEXT    NOT NULL,
        transport       TEXT    NOT NULL,
        content_digest  TEXT    NOT NULL,
        prev_hash       TEXT    NOT NULL,
        hash            TEXT    NOT NULL,
        UNIQUE (stream, revision)
      ) STRICT;

      CREATE TABLE event_receipts (
        event_id    TEXT NOT NULL,
        received_at TEXT NOT NULL,
        transport   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX event_receipts_by_event ON event_receipts (event_id);

      -- One row rewritten by health checks: proves the file takes durable writes.
      CREATE TABLE store_heartbeat (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at TEXT NOT NULL
      ) STRICT;

      -- History is immutable. The hash chain detects rewrites done behind the
      -- hub's back; these guards stop accidental ones through the hub's own connection.
      CREATE TRIGGER events_are_immutable BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
      CREATE TRIGGER events_are_append_only BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    `,
  },
];
