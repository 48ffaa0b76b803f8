import { createHash } from 'node:crypto';
import { canonicalJson } from '@concord/common';
import type { EventEnvelope } from '@concord/contracts';
import type { StoredEvent, Transport } from './event-store.port';

/** The predecessor hash of every stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

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

/** hash = SHA-256( prevHash ‖ "\n" ‖ canonicalJson(fields) ), lower-case hex. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(chainedFieldsOf(fields))).digest('hex');
}

/** Picks exactly the hashed fields, so extra properties on a stored event never change its hash. */
export function chainedFieldsOf(event: ChainedFields | StoredEvent): ChainedFields {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    schemaVersion: event.schemaVersion,
    subject: event.subject,
    occurredAt: event.occurredAt,
    sourceSequence: event.sourceSequence,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor,
    data: event.data,
    stream: event.stream,
    revision: event.revision,
    recordedAt: event.recordedAt,
    transport: event.transport,
  };
}

/**
 * Digest of what the producer sent (the envelope alone). Two deliveries with
 * the same id are the same event exactly when their content digests match.
 */
export function contentDigest(envelope: EventEnvelope): string {
  return createHash('sha256').update(canonicalJson(envelope)).digest('hex');
}
