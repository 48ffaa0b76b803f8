import { canonicalJson } from '@concord/common';
import { ENVELOPE_FIELDS, type EventEnvelope } from '@concord/contracts';
import type { StoredEvent, Transport } from './event-store.port';

import { hashWithRevision, sha256Hex, type HashedText } from './chain-hash';

export { GENESIS_HASH, hashWithRevision, type HashedText } from './chain-hash';
export { hashOfStoredText, type StoredColumns, type StoredText } from './stored-hash';

/**
 * The fields an event's hash covers: the producer's envelope plus everything the
 * hub adds except the global position (per-stream chains must be computable by
 * writers that do not know the global position yet) and the hash itself.
 */
export type ChainedFields = EventEnvelope & {
  readonly stream: string;
  readonly revision: number;
  readonly recordedAt: string;
  readonly transport: Transport;
};

const HUB_FIELDS = ['stream', 'revision', 'recordedAt', 'transport'] as const;
/** Every hashed key in canonical (sorted) order. */
const HASHED_KEYS: readonly string[] = [...ENVELOPE_FIELDS, ...HUB_FIELDS].sort();
const ENVELOPE_KEYS: readonly string[] = [...ENVELOPE_FIELDS].sort();

function envelopeMembers(envelope: EventEnvelope): Record<string, string> {
  const members: Record<string, string> = {};
  const fields = envelope as unknown as Record<string, unknown>;
  for (const key of ENVELOPE_KEYS) {
    const value = key === 'subject' ? { type: envelope.subject.type, id: envelope.subject.id } : key === 'actor' && envelope.actor ? { type: envelope.actor.type, id: envelope.actor.id } : fields[key];
    if (value !== undefined) members[key] = flattened(canonicalJson(value));
  }
  return members;
}

/**
 * The same string, stored flat. Text built by concatenation is a tree of pieces in V8 (a rope). The prepared
 * columns wait for their group commit and are then copied to the writer thread: a rope that lives that long is
 * promoted and copied piece by piece by the garbage collector, and walked again to be sent. Flattened while
 * young, its pieces die at once (for groups of hundreds of events this took about a quarter off preparing and
 * handing them over). Reading a character is what makes V8 flatten a rope; nothing else changes.
 */
function flattened(text: string): string {
  text.charCodeAt(0);
  return text;
}

function joinMembers(keys: readonly string[], members: Record<string, string>): string {
  let text = '';
  for (const key of keys) {
    const json = members[key];
    if (json !== undefined) text += `${text === '' ? '' : ','}"${key}":${json}`;
  }
  return text;
}

function digestOf(members: Record<string, string>): string {
  return sha256Hex(`{${joinMembers(ENVELOPE_KEYS, members)}}`);
}

const KEYS_BEFORE_REVISION = HASHED_KEYS.slice(0, HASHED_KEYS.indexOf('revision'));
const KEYS_AFTER_REVISION = HASHED_KEYS.slice(HASHED_KEYS.indexOf('revision') + 1);

function splitAtRevision(members: Record<string, string>): HashedText {
  // Required fields (data, id before; source, subject, type after) guarantee members on both sides.
  return { before: `{${joinMembers(KEYS_BEFORE_REVISION, members)},"revision":`, after: `,${joinMembers(KEYS_AFTER_REVISION, members)}}` };
}

function withHubMembers(members: Record<string, string>, hub: { stream: string; recordedAt: string; transport: Transport }): Record<string, string> {
  members.stream = canonicalJson(hub.stream);
  members.recordedAt = canonicalJson(hub.recordedAt);
  members.transport = canonicalJson(hub.transport);
  return members;
}

/** The hashed text of an event around its revision (any `revision` present in `fields` is ignored). */
export function hashedTextOf(fields: Omit<ChainedFields, 'revision'> | StoredEvent): HashedText {
  return splitAtRevision(withHubMembers(envelopeMembers(fields), fields));
}

/** hash = SHA-256( prevHash ‖ "\n" ‖ canonicalJson(fields) ), lower-case hex. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return hashWithRevision(prevHash, hashedTextOf(fields), fields.revision);
}

/** The order in which hashOfStoredText writes the members; checked against HASHED_KEYS when this module loads. */
const STORED_TEXT_ORDER = 'actor,causationId,correlationId,data,id,occurredAt,recordedAt,revision,schemaVersion,source,sourceSequence,stream,subject,transport,type';
if (HASHED_KEYS.join(',') !== STORED_TEXT_ORDER) throw new Error(`hashOfStoredText does not write the hashed fields (${HASHED_KEYS.join(',')})`);

/**
 * Everything about a new event that does not depend on where it lands, computed once. The chain hash is not
 * among it: the writer computes it from these very columns (hashOfStoredText), the bytes it stores.
 */
export interface ChainPreparation {
  readonly digest: string;
  /** Canonical JSON of the event's `data` (what the log stores) and, when present, of its actor. */
  readonly dataJson: string;
  readonly actorJson: string | undefined;
  readonly transportJson: string;
}

export function prepareForChain(envelope: EventEnvelope, hub: { transport: Transport }): ChainPreparation {
  const members = envelopeMembers(envelope);
  return { digest: digestOf(members), dataJson: members.data!, actorJson: members.actor, transportJson: flattened(canonicalJson(hub.transport)) };
}

/**
 * Picks exactly the hashed fields, so extra properties on a stored event never
 * change its hash; subject and actor are reduced to the `type` and `id` the log keeps.
 */
export function chainedFieldsOf(event: ChainedFields | StoredEvent): ChainedFields {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    schemaVersion: event.schemaVersion,
    subject: { type: event.subject.type, id: event.subject.id },
    occurredAt: event.occurredAt,
    sourceSequence: event.sourceSequence,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor ? { type: event.actor.type, id: event.actor.id } : undefined,
    data: event.data,
    stream: event.stream,
    revision: event.revision,
    recordedAt: event.recordedAt,
    transport: event.transport,
  };
}

/**
 * Digest of what the producer sent (the envelope's fields alone). Two
 * deliveries with the same id are the same event exactly when their content
 * digests match.
 */
export function contentDigest(envelope: EventEnvelope): string {
  return digestOf(envelopeMembers(envelope));
}
