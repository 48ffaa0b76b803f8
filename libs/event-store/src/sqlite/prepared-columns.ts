import type { AppendedEvent, AppendResult, ExpectedRevision } from '../event-store.port';
import type { PreparedEvent, PreparedRequest } from './prepared-append';

// Type-only imports above: the writer thread loads this file, and must not load the contracts library.

/** The fields of a PreparedEvent, each one column. */
const EVENT_FIELDS = [
  'id',
  'digest',
  'type',
  'schemaVersion',
  'source',
  'subjectType',
  'subjectId',
  'occurredAt',
  'sourceSequence',
  'correlationId',
  'causationId',
  'actorJson',
  'dataJson',
  'transportJson',
] as const satisfies ReadonlyArray<keyof PreparedEvent>;

type EventField = (typeof EVENT_FIELDS)[number];

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
  readonly events: { [F in EventField]: Array<PreparedEvent[F]> };
}

export function toColumns(requests: readonly PreparedRequest[]): PreparedColumns {
  const events = Object.fromEntries(EVENT_FIELDS.map((field) => [field, []])) as unknown as Record<EventField, unknown[]>;
  const columns = { streams: [], expectedRevisions: [], recordedAts: [], eventCounts: [], events } as PreparedColumns;
  for (const request of requests) {
    columns.streams.push(request.stream);
    columns.expectedRevisions.push(request.expectedRevision);
    columns.recordedAts.push(request.recordedAt);
    columns.eventCounts.push(request.events.length);
    for (const event of request.events) {
      for (const field of EVENT_FIELDS) events[field].push(event[field]);
    }
  }
  return columns;
}

export function fromColumns(columns: PreparedColumns): PreparedRequest[] {
  const requests: PreparedRequest[] = [];
  const values = columns.events as unknown as Record<EventField, unknown[]>;
  let at = 0;
  for (let r = 0; r < columns.streams.length; r++) {
    const events: PreparedEvent[] = [];
    for (let end = at + columns.eventCounts[r]!; at < end; at++) {
      const event: Record<string, unknown> = {};
      for (const field of EVENT_FIELDS) event[field] = values[field][at];
      events.push(event as unknown as PreparedEvent);
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
