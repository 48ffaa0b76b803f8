import { hash } from 'node:crypto';
import type { EventRow } from '@concord/event-store';

/**
 * The columns the verifier reads: the event log's own read columns (`READ_COLUMNS`), restated here because
 * the verify workers must not load the event-store library (chain-columns.spec.ts holds the two equal).
 * `data`, `actor` and `transport` are stored as the canonical JSON the hash covered, so they are hashed as
 * they are: any changed byte changes the hash, and nothing has to be parsed.
 */
export const CHAIN_COLUMN_NAMES =
  'position, event_id, stream, revision, type, schema_version, source, subject_type, subject_id, occurred_at, recorded_at, source_sequence, correlation_id, causation_id, actor, data, transport, prev_hash, hash';

/** A row selected with {@link CHAIN_COLUMN_NAMES} in raw mode: the event log's `EventRow`. */
export type RawChainRow = Readonly<EventRow>;

const PLAIN = /^[A-Za-z0-9_.\- ]*$/;
const str = (text: string): string => (PLAIN.test(text) ? `"${text}"` : JSON.stringify(text));

/**
 * The chain hash recomputed from stored columns: SHA-256( prevHash ‖ "\n" ‖ canonical JSON ),
 * the members written here in canonical (sorted) key order. This is the formula of
 * libs/event-store/src/chain.ts written out for rows; chain-columns.spec.ts holds the two
 * equal on random events, so they cannot drift apart. Kept free of runtime imports (the
 * verify workers load it).
 */
export function hashOfRawRow(row: RawChainRow): string {
  const [, eventId, stream, revision, type, schemaVersion, source, subjectType, subjectId, occurredAt, recordedAt, sourceSequence, correlationId, causationId, actor, data, transport, prevHash] = row;
  let text = '{';
  if (actor !== null) text += `"actor":${actor},`;
  if (causationId !== null) text += `"causationId":${str(causationId)},`;
  if (correlationId !== null) text += `"correlationId":${str(correlationId)},`;
  text += `"data":${data},"id":${str(eventId)},"occurredAt":${str(occurredAt)},"recordedAt":${str(recordedAt)},`;
  text += `"revision":${revision},"schemaVersion":${schemaVersion},"source":${str(source)},`;
  if (sourceSequence !== null) text += `"sourceSequence":${sourceSequence},`;
  text += `"stream":${str(stream)},"subject":{"id":${str(subjectId)},"type":${str(subjectType)}},`;
  text += `"transport":${transport},"type":${str(type)}}`;
  return hash('sha256', `${prevHash}\n${text}`, 'hex');
}
