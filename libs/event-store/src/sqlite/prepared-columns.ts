import type { AppendedEvent, AppendResult, ExpectedRevision } from '../event-store.port';
import type { PreparedEvent, PreparedRequest } from './prepared-append';

// Type-only imports above: the writer thread loads this file, and must not load the contracts library.

/**
 * A group of prepared requests laid out as one array per field. Handing a
 * group to the writer thread copies it (structured clone); arrays of strings
 * copy several times faster than as many small objects, whose property names
 * are written out again for every event.
 */
export interface PreparedColumns {
  readonly streams: string[];
  readonly expectedRevisions: ExpectedRevision[];
  readonly recordedAts: string[];
  readonly eventCounts: number[];
  readonly ids: string[];
  readonly digests: string[];
  readonly befores: string[];
  readonly afters: string[];
  readonly types: string[];
  readonly schemaVersions: number[];
  readonly sources: string[];
  readonly subjectTypes: string[];
  readonly subjectIds: string[];
  readonly occurredAts: string[];
  readonly sourceSequences: Array<number | null>;
  readonly correlationIds: Array<string | null>;
  readonly causationIds: Array<string | null>;
  readonly actorJsons: Array<string | null>;
  readonly dataJsons: string[];
  readonly transportJsons: string[];
}

export function toColumns(requests: readonly PreparedRequest[]): PreparedColumns {
  const columns: PreparedColumns = {
    streams: [], expectedRevisions: [], recordedAts: [], eventCounts: [],
    ids: [], digests: [], befores: [], afters: [], types: [], schemaVersions: [], sources: [], subjectTypes: [], subjectIds: [],
    occurredAts: [], sourceSequences: [], correlationIds: [], causationIds: [], actorJsons: [], dataJsons: [], transportJsons: [],
  };
  for (const request of requests) {
    columns.streams.push(request.stream);
    columns.expectedRevisions.push(request.expectedRevision);
    columns.recordedAts.push(request.recordedAt);
    columns.eventCounts.push(request.events.length);
    for (const event of request.events) {
      columns.ids.push(event.id);
      columns.digests.push(event.digest);
      columns.befores.push(event.text.before);
      columns.afters.push(event.text.after);
      columns.types.push(event.type);
      columns.schemaVersions.push(event.schemaVersion);
      columns.sources.push(event.source);
      columns.subjectTypes.push(event.subjectType);
      columns.subjectIds.push(event.subjectId);
      columns.occurredAts.push(event.occurredAt);
      columns.sourceSequences.push(event.sourceSequence);
      columns.correlationIds.push(event.correlationId);
      columns.causationIds.push(event.causationId);
      columns.actorJsons.push(event.actorJson);
      columns.dataJsons.push(event.dataJson);
      columns.transportJsons.push(event.transportJson);
    }
  }
  return columns;
}

export function fromColumns(columns: PreparedColumns): PreparedRequest[] {
  const requests: PreparedRequest[] = [];
  let at = 0;
  for (let r = 0; r < columns.streams.length; r++) {
    const events: PreparedEvent[] = [];
    for (let end = at + columns.eventCounts[r]!; at < end; at++) {
      events.push({
        id: columns.ids[at]!,
        digest: columns.digests[at]!,
        text: { before: columns.befores[at]!, after: columns.afters[at]! },
        type: columns.types[at]!,
        schemaVersion: columns.schemaVersions[at]!,
        source: columns.sources[at]!,
        subjectType: columns.subjectTypes[at]!,
        subjectId: columns.subjectIds[at]!,
        occurredAt: columns.occurredAts[at]!,
        sourceSequence: columns.sourceSequences[at]!,
        correlationId: columns.correlationIds[at]!,
        causationId: columns.causationIds[at]!,
        actorJson: columns.actorJsons[at]!,
        dataJson: columns.dataJsons[at]!,
        transportJson: columns.transportJsons[at]!,
      });
    }
    requests.push({ stream: columns.streams[r]!, expectedRevision: columns.expectedRevisions[r]!, recordedAt: columns.recordedAts[r]!, events });
  }
  return requests;
}

/**
 * The writer's answer to a group, in the same spirit: one entry per refused
 * request (null for accepted ones), and the outcome of every event of the
 * accepted requests as parallel arrays. The caller already knows ids and streams.
 */
export interface ResultColumns {
  readonly refusals: Array<AppendResult | null>;
  readonly duplicates: boolean[];
  readonly positions: number[];
  readonly revisions: number[];
}

export function resultsToColumns(results: readonly AppendResult[]): ResultColumns {
  const columns: ResultColumns = { refusals: [], duplicates: [], positions: [], revisions: [] };
  for (const result of results) {
    if (!result.ok) {
      columns.refusals.push(result);
      continue;
    }
    columns.refusals.push(null);
    for (const event of result.events) {
      columns.duplicates.push(event.status === 'duplicate');
      columns.positions.push(event.position);
      columns.revisions.push(event.revision);
    }
  }
  return columns;
}

export function resultsFromColumns(requests: readonly PreparedRequest[], columns: ResultColumns): AppendResult[] {
  let at = 0;
  return requests.map((request, index): AppendResult => {
    const refusal = columns.refusals[index];
    if (refusal) return refusal;
    const events = request.events.map((event): AppendedEvent => {
      const outcome: AppendedEvent = {
        id: event.id,
        status: columns.duplicates[at] ? 'duplicate' : 'appended',
        position: columns.positions[at]!,
        stream: request.stream,
        revision: columns.revisions[at]!,
      };
      at++;
      return outcome;
    });
    return { ok: true, events };
  });
}
