import type { SqliteDatabase } from '@concord/sqlite';
import { GENESIS_HASH } from '../chain-hash';
import { hashOfColumns } from '../stored-hash';
import type { AppendedEvent, AppendResult } from '../event-store.port';
import { EVENT_COLUMNS } from './event-rows';
import type { PreparedRequest } from './prepared-append';

interface ExistingEvent {
  position: number;
  stream: string;
  revision: number;
  content_digest: string;
}

/** Thrown inside a transaction only to roll one request back to its savepoint. */
class RequestRefused {
  constructor(readonly result: AppendResult) {}
}

/**
 * The only code that writes the event log. It runs wherever the writing
 * connection lives (a worker thread by default, or the caller's thread) and is
 * synchronous: one call commits one group of requests in one transaction, one
 * fsync for all of them. Idempotency, expected revisions, positions and the
 * hash chain are all decided here, inside that transaction.
 */
export class LogWriter {
  private lastPosition = 0;
  private readonly statements;

  constructor(private readonly db: SqliteDatabase) {
    this.statements = {
      head: db.prepare('SELECT COALESCE(MAX(position), 0) AS head FROM events'),
      byId: db.prepare('SELECT position, stream, revision, content_digest FROM events WHERE event_id = ?'),
      tail: db.prepare('SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      insert: db.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (${EVENT_COLUMNS.split(', ').map(() => '?').join(', ')})`),
      receipt: db.prepare('INSERT INTO event_receipts (event_id, received_at, transport) VALUES (?, ?, ?)'),
      heartbeat: db.prepare('INSERT INTO store_heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at'),
    };
  }

  /**
   * Commits every request in one transaction; each request succeeds or is refused on its own. Throws when
   * the commit fails. BEGIN IMMEDIATE takes the write lock first, and the head is read inside it, so
   * another process writing the same file (a CLI, a second hub by mistake) cannot make positions collide.
   */
  commit(requests: readonly PreparedRequest[]): AppendResult[] {
    return this.db
      .transaction(() => {
        this.lastPosition = this.readHead();
        return requests.map((request) => this.appendOne(request));
      })
      .immediate();
  }

  heartbeat(at: string): void {
    this.db.transaction(() => this.statements.heartbeat.run(at))();
  }

  close(): void {
    this.db.close();
  }

  private readHead(): number {
    return (this.statements.head.get() as { head: number }).head;
  }

  private appendOne(request: PreparedRequest): AppendResult {
    // A one-event request is refused before it writes anything, so it needs no savepoint.
    if (request.events.length === 1) {
      try {
        return this.appendEvents(request);
      } catch (error) {
        if (error instanceof RequestRefused) return error.result;
        throw error;
      }
    }
    const positionBefore = this.lastPosition;
    try {
      // A nested better-sqlite3 transaction is a savepoint: a refused request leaves no trace.
      return this.db.transaction(() => this.appendEvents(request))();
    } catch (error) {
      this.lastPosition = positionBefore;
      if (error instanceof RequestRefused) return error.result;
      throw error;
    }
  }

  private appendEvents(request: PreparedRequest): AppendResult {
    const { stream, events, recordedAt } = request;
    const tail = this.statements.tail.get(stream) as { revision: number; hash: string } | undefined;
    let revision = tail?.revision ?? -1;
    let prevHash = tail?.hash ?? GENESIS_HASH;
    const outcomes: AppendedEvent[] = [];
    let checkedRevision = false;

    for (const event of events) {
      const existing = this.statements.byId.get(event.id) as ExistingEvent | undefined;
      if (existing) {
        if (existing.content_digest !== event.digest || existing.stream !== stream) {
          throw new RequestRefused({
            ok: false,
            reason: 'id-reused-with-different-content',
            eventId: event.id,
            existing: { position: existing.position, stream: existing.stream, revision: existing.revision },
          });
        }
        this.statements.receipt.run(event.id, recordedAt, event.transportJson);
        outcomes.push({ id: event.id, status: 'duplicate', position: existing.position, stream, revision: existing.revision });
        continue;
      }
      if (!checkedRevision) {
        // Checked only when something new is written: a retried append whose events are
        // all stored already is a duplicate, whatever the stream has become since.
        checkExpectedRevision(request, tail?.revision);
        checkedRevision = true;
      }
      revision += 1;
      const position = ++this.lastPosition;
      // Hashed from the very columns inserted below: what every read recomputes.
      const hash = hashOfColumns(prevHash, event, stream, revision, recordedAt);
      this.statements.insert.run(
        position,
        event.id,
        stream,
        revision,
        event.type,
        event.schemaVersion,
        event.source,
        event.subjectType,
        event.subjectId,
        event.occurredAt,
        recordedAt,
        event.sourceSequence,
        event.correlationId,
        event.causationId,
        event.actorJson,
        event.dataJson,
        event.transportJson,
        event.digest,
        prevHash,
        hash,
      );
      prevHash = hash;
      outcomes.push({ id: event.id, status: 'appended', position, stream, revision });
    }
    return { ok: true, events: outcomes };
  }
}

function checkExpectedRevision(request: PreparedRequest, current: number | undefined): void {
  const expected = request.expectedRevision;
  const actual = current ?? -1;
  const matches =
    expected === 'any' || (expected === 'no-stream' ? current === undefined : current !== undefined && current === expected);
  if (!matches) throw new RequestRefused({ ok: false, reason: 'wrong-expected-revision', expected, actual });
}
