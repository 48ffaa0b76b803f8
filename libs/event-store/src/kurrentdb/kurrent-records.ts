import { jsonEvent, START, type EventData, type Position as KurrentPosition, type ReadPosition } from '@eventstore/db-client';
import type { EventEnvelope } from '@concord/contracts';
import type { ChainedFields } from '../chain';
import type { Position, StoredEvent, Transport } from '../event-store.port';

/** Format marker in every Concord event's metadata; bump it only with a reader for the old format. */
export const CONCORD_FORMAT = 1;

/**
 * How a Concord event sits in KurrentDB: `type` is the contract type, `data`
 * is the business payload (so KurrentDB projections see what they expect), and
 * the metadata carries the rest of the envelope plus what the hub added.
 */
interface ConcordMetadata extends Omit<EventEnvelope, 'type' | 'data'> {
  readonly concord: typeof CONCORD_FORMAT;
  readonly recordedAt: string;
  readonly transport: Transport;
  readonly contentDigest: string;
  readonly prevHash: string;
  readonly hash: string;
  /** KurrentDB's own convention, so its `$by_correlation_id` projection can follow a flow. */
  readonly $correlationId?: string;
}

export interface ChainedEvent {
  readonly fields: ChainedFields;
  readonly contentDigest: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The structural part of the client's RecordedEvent the adapter reads. */
export interface KurrentRecord {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly isJson: boolean;
  readonly position?: KurrentPosition;
}

export function toKurrentEvent(event: ChainedEvent, eventUuid: string): EventData {
  const { fields } = event;
  const metadata: ConcordMetadata = {
    concord: CONCORD_FORMAT,
    id: fields.id,
    source: fields.source,
    schemaVersion: fields.schemaVersion,
    subject: fields.subject,
    occurredAt: fields.occurredAt,
    ...(fields.sourceSequence !== undefined ? { sourceSequence: fields.sourceSequence } : {}),
    ...(fields.correlationId !== undefined ? { correlationId: fields.correlationId, $correlationId: fields.correlationId } : {}),
    ...(fields.causationId !== undefined ? { causationId: fields.causationId } : {}),
    ...(fields.actor !== undefined ? { actor: fields.actor } : {}),
    recordedAt: fields.recordedAt,
    transport: fields.transport,
    contentDigest: event.contentDigest,
    prevHash: event.prevHash,
    hash: event.hash,
  };
  return jsonEvent({ id: eventUuid, type: fields.type, data: { ...fields.data }, metadata: { ...metadata } });
}

export function isConcordRecord(record: KurrentRecord): boolean {
  const metadata = record.metadata;
  return record.isJson && typeof metadata === 'object' && metadata !== null && (metadata as { concord?: unknown }).concord === CONCORD_FORMAT;
}

/** The Concord id a record carries, without mapping the whole event. */
export function concordIdOf(record: KurrentRecord): string | undefined {
  return isConcordRecord(record) ? (record.metadata as ConcordMetadata).id : undefined;
}

export function hashOf(record: KurrentRecord): string {
  return (record.metadata as ConcordMetadata).hash;
}

export function contentDigestOf(record: KurrentRecord): string {
  return (record.metadata as ConcordMetadata).contentDigest;
}

/** Optional envelope fields come back absent (not undefined), exactly as they went in. */
export function toStoredEvent(record: KurrentRecord, concordStream: string): StoredEvent {
  if (!isConcordRecord(record)) {
    throw new Error(`KurrentDB stream ${record.streamId} holds an event Concord did not write (revision ${record.revision})`);
  }
  const m = record.metadata as ConcordMetadata;
  const event: Record<string, unknown> = {
    id: m.id,
    source: m.source,
    type: record.type,
    schemaVersion: m.schemaVersion,
    subject: m.subject,
    occurredAt: m.occurredAt,
    data: record.data,
    position: positionOf(record),
    stream: concordStream,
    revision: Number(record.revision),
    recordedAt: m.recordedAt,
    transport: m.transport,
    prevHash: m.prevHash,
    hash: m.hash,
  };
  if (m.sourceSequence !== undefined) event.sourceSequence = m.sourceSequence;
  if (m.correlationId !== undefined) event.correlationId = m.correlationId;
  if (m.causationId !== undefined) event.causationId = m.causationId;
  if (m.actor !== undefined) event.actor = m.actor;
  return event as unknown as StoredEvent;
}

/**
 * Concord's opaque position is the event's KurrentDB commit position: the byte
 * offset of its record in the transaction log. Appends through the gRPC API are
 * implicit transactions, whose events have commit = prepare = their own record's
 * offset, so the commit position alone identifies and orders them. Positions
 * therefore increase but are NOT consecutive: the difference of two positions
 * is a distance in bytes, not a number of events.
 */
export function positionOf(record: KurrentRecord): Position {
  const position = record.position;
  if (!position) {
    throw new Error('KurrentDB returned an event without its log position (EventStoreDB 22.6 or later is required)');
  }
  if (position.commit !== position.prepare) {
    throw new Error(
      `event ${record.streamId}@${record.revision} has commit position ${position.commit} but prepare position ${position.prepare}: it was written in an explicit transaction, which Concord does not use`,
    );
  }
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`KurrentDB commit position ${position.commit} is beyond 2^53, the largest Concord position`);
  }
  return Number(position.commit);
}

export function kurrentPositionOf(position: Position): ReadPosition {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`not a Concord position: ${position}`);
  return position === 0 ? START : { commit: BigInt(position), prepare: BigInt(position) };
}
