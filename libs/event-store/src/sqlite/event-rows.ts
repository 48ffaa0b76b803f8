import type { ActorRef } from '@concord/contracts';
import type { StoredEvent, Transport } from '../event-store.port';

/** Every column of `events`, in insert order (the writer binds values in this order). */
export const EVENT_COLUMNS =
  'position, event_id, stream, revision, type, schema_version, source, subject_type, subject_id, occurred_at, recorded_at, source_sequence, correlation_id, causation_id, actor, data, transport, content_digest, prev_hash, hash';

/**
 * The columns a read returns, as a raw row (an array, in this order). Reads take
 * arrays rather than objects and skip `content_digest` (the writer's duplicate
 * check, never shown): building a 20-key object per row was the largest single
 * cost of a projection rebuild.
 */
export const READ_COLUMNS =
  'position, event_id, stream, revision, type, schema_version, source, subject_type, subject_id, occurred_at, recorded_at, source_sequence, correlation_id, causation_id, actor, data, transport, prev_hash, hash';

export type EventRow = [
  position: number,
  eventId: string,
  stream: string,
  revision: number,
  type: string,
  schemaVersion: number,
  source: string,
  subjectType: string,
  subjectId: string,
  occurredAt: string,
  recordedAt: string,
  sourceSequence: number | null,
  correlationId: string | null,
  causationId: string | null,
  actor: string | null,
  data: string,
  transport: string,
  prevHash: string,
  hash: string,
];

/** Optional envelope fields are absent (not null) on the way out, exactly as they were on the way in. */
export function toStoredEvent(row: EventRow): StoredEvent {
  const event: Record<string, unknown> = {
    id: row[1],
    source: row[6],
    type: row[4],
    schemaVersion: row[5],
    subject: { type: row[7], id: row[8] },
    occurredAt: row[9],
    data: JSON.parse(row[15]) as Record<string, unknown>,
    position: row[0],
    stream: row[2],
    revision: row[3],
    recordedAt: row[10],
    transport: JSON.parse(row[16]) as Transport,
    prevHash: row[17],
    hash: row[18],
  };
  if (row[11] !== null) event.sourceSequence = row[11];
  if (row[12] !== null) event.correlationId = row[12];
  if (row[13] !== null) event.causationId = row[13];
  if (row[14] !== null) event.actor = JSON.parse(row[14]) as ActorRef;
  return event as unknown as StoredEvent;
}
