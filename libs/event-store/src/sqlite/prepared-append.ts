import { prepareForChain, type StoredColumns } from '../chain';
import type { AppendRequest, ExpectedRevision } from '../event-store.port';

/**
 * An event ready for the writer: everything that does not depend on where it
 * lands in the log (digest, serialized columns) is computed before the write
 * transaction. The writer hashes these very columns once it knows the revision.
 * Plain strings and numbers only, so it crosses to a worker thread cheaply.
 */
export interface PreparedEvent extends StoredColumns {
  readonly digest: string;
}

export interface PreparedRequest {
  readonly stream: string;
  readonly expectedRevision: ExpectedRevision;
  readonly recordedAt: string;
  readonly events: readonly PreparedEvent[];
}

export function prepareRequest(request: AppendRequest, recordedAt: string): PreparedRequest {
  const events = request.events.map(({ envelope, transport }): PreparedEvent => {
    const prepared = prepareForChain(envelope, { transport });
    return {
      id: envelope.id,
      digest: prepared.digest,
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

