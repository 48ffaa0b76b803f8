import { prepareForChain, type StoredColumns } from '../chain';
import type { HashedText } from '../chain-hash';
import type { AppendRequest, ExpectedRevision } from '../event-store.port';

/**
 * An event ready for the writer: everything that does not depend on where it
 * lands in the log (digest, serialized columns, the hashed text around its
 * revision) is computed before the write transaction, off the writer's clock.
 * Plain strings and numbers only, so it crosses to a worker thread cheaply.
 */
export interface PreparedEvent extends StoredColumns {
  readonly digest: string;
  readonly text: HashedText;
}

export interface PreparedRequest {
  readonly stream: string;
  readonly expectedRevision: ExpectedRevision;
  readonly recordedAt: string;
  readonly events: readonly PreparedEvent[];
}

export function prepareRequest(request: AppendRequest, recordedAt: string): PreparedRequest {
  const events = request.events.map(({ envelope, transport }): PreparedEvent => {
    const prepared = prepareForChain(envelope, { stream: request.stream, recordedAt, transport });
    return {
      id: envelope.id,
      digest: prepared.digest,
      text: prepared.text,
      type: envelope.type,
      schemaVersion: envelope.schemaVersion,
      source: envelope.source,
      subjectType: envelope.subject.type,
      subjectId: envelope.subject.id,
      occurredAt: envelope.occurredAt,
      sourceSequence: envelope.sourceSequence ?? null,
      correlationId: envelope.correlationId ?? null,
      causationId: envelope.causationId ?? null,
      actorJson: prepared.actorJson ?? null,
      dataJson: prepared.dataJson,
      transportJson: prepared.transportJson,
    };
  });
  return { stream: request.stream, expectedRevision: request.expectedRevision ?? 'any', recordedAt, events };
}

