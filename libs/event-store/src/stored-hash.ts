import { canonicalJson } from '@concord/common';
import { sha256Hex } from './chain-hash';

// Kept free of the contracts library: the writer thread loads this file.

/** The columns the log keeps for an event's envelope: `dataJson`, `actorJson` and `transportJson` are the canonical JSON that was hashed. */
export interface StoredColumns {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly source: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly occurredAt: string;
  readonly sourceSequence: number | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly actorJson: string | null;
  readonly dataJson: string;
  readonly transportJson: string;
}

/** An event as the log keeps it: its columns and where it landed. */
export interface StoredText extends StoredColumns {
  readonly stream: string;
  readonly revision: number;
  readonly recordedAt: string;
}

/**
 * The hash of an event recomputed from its stored bytes, without parsing them: a changed byte anywhere
 * in the hashed columns (or in `prevHash`) gives another hash. Every read checks a stored event with it,
 * so it writes the canonical text directly, members in sorted order (STORED_TEXT_ORDER), instead of
 * going through a member map: the same bytes as chainHash (a property test holds it to that), at a
 * fraction of the cost.
 */
export function hashOfStoredText(prevHash: string, stored: StoredText): string {
  return hashOfColumns(prevHash, stored, stored.stream, stored.revision, stored.recordedAt);
}

/** hashOfStoredText for columns not yet stored, without building a StoredText (the writer: once per event). */
export function hashOfColumns(prevHash: string, stored: StoredColumns, stream: string, revision: number, recordedAt: string): string {
  let text = `${prevHash}\n{`;
  if (stored.actorJson !== null) text += `"actor":${stored.actorJson},`;
  if (stored.causationId !== null) text += `"causationId":${canonicalJson(stored.causationId)},`;
  if (stored.correlationId !== null) text += `"correlationId":${canonicalJson(stored.correlationId)},`;
  text += `"data":${stored.dataJson},"id":${canonicalJson(stored.id)},"occurredAt":${canonicalJson(stored.occurredAt)},"recordedAt":${canonicalJson(recordedAt)}`;
  text += `,"revision":${revision},"schemaVersion":${canonicalJson(stored.schemaVersion)},"source":${canonicalJson(stored.source)},`;
  if (stored.sourceSequence !== null) text += `"sourceSequence":${canonicalJson(stored.sourceSequence)},`;
  text += `"stream":${canonicalJson(stream)},"subject":{"id":${canonicalJson(stored.subjectId)},"type":${canonicalJson(stored.subjectType)}}`;
  text += `,"transport":${stored.transportJson},"type":${canonicalJson(stored.type)}}`;
  return sha256Hex(text);
}

