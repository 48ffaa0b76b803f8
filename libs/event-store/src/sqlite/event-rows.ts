import type { ActorRef } from '@concord/contracts';
import type { StoredEvent, Transport } from '../event-store.port';

export interface EventRow {
  position: number;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  source: string;
  subject_type: string;
  subject_id: string;
  occurred_at: string;
  recorded_at: string;
  source_sequence: number | null;
  correlation_id: string | null;
  causation_id: string | null;
  actor: string | null;
  data: string;
  transport: string;
  content_digest: string;
  prev_hash: string;
  hash: string;
}

export const EVENT_COLUMNS =
  'position, event_id, stream, revision, type, schema_version, source, subject_type, subject_id, occurred_at, recorded_at, source_sequence, correlation_id, causation_id, actor, data, transport, content_digest, prev_hash, hash';

/** Optional envelope fields are absent (not null) on the way out, exactly as they were on the way in. */
export function toStoredEvent(row: EventRow): StoredEvent {
  const event: Record<string, unknown> = {
    id: row.event_id,
    source: row.source,
    type: row.type,
    schemaVersion: row.schema_version,
    subject: { type: row.subject_type, id: row.subject_id },
    occurredAt: row.occurred_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
    position: row.position,
    stream: row.stream,
    revision: row.revision,
    recordedAt: row.recorded_at,
    transport: JSON.parse(row.transport) as Transport,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  if (row.source_sequence !== null) event.sourceSequence = row.source_sequence;
  if (row.correlation_id !== null) event.correlationId = row.correlation_id;
  if (row.causation_id !== null) event.causationId = row.causation_id;
  if (row.actor !== null) event.actor = JSON.parse(row.actor) as ActorRef;
  return event as unknown as StoredEvent;
}
