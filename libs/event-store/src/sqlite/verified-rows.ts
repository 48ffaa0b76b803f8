import { CorruptedHistoryError } from '@concord/common';
import { hashOfStoredText, type StoredText } from '../chain';
import type { StoredEvent } from '../event-store.port';
import { toStoredEvent, type EventRow } from './event-rows';

// Not in event-rows.ts: that file is loaded by the writer thread, which must not load the contracts library.
/** The stored text of a row (see READ_COLUMNS for the order), as its hash covers it. */
export function storedTextOf(row: EventRow): StoredText {
  return {
    id: row[1],
    stream: row[2],
    revision: row[3],
    type: row[4],
    schemaVersion: row[5],
    source: row[6],
    subjectType: row[7],
    subjectId: row[8],
    occurredAt: row[9],
    recordedAt: row[10],
    sourceSequence: row[11],
    correlationId: row[12],
    causationId: row[13],
    actorJson: row[14],
    dataJson: row[15],
    transportJson: row[16],
  };
}

/** What is wrong with a stored row, naming the event, or undefined when it matches its hash. */
export function damageOf(row: EventRow): string | undefined {
  const [position, id, stream, revision] = row;
  if (hashOfStoredText(row[17], storedTextOf(row)) === row[18]) return undefined;
  return `event ${JSON.stringify(id)} at position ${position} (stream ${stream}, revision ${revision}) does not match its hash`;
}

/**
 * As toStoredEvent, after checking the row against its own hash: history changed behind the hub's back
 * (a flipped bit, an edited file) is refused, naming the event, and never served.
 */
export function toVerifiedEvent(row: EventRow): StoredEvent {
  const where = { id: row[1], position: row[0], stream: row[2] };
  const damage = damageOf(row);
  if (damage !== undefined) {
    throw new CorruptedHistoryError(`the event log is damaged: ${damage}; it was changed outside the hub and is not served (run verify, restore the file from a backup)`, where);
  }
  try {
    return toStoredEvent(row);
  } catch (error) {
    // Only reachable if the hash still matches text that does not parse: the hub never stores such text.
    throw new CorruptedHistoryError(`the event log is damaged: event ${JSON.stringify(row[1])} at position ${row[0]} cannot be read (${error instanceof Error ? error.message : String(error)})`, where);
  }
}
