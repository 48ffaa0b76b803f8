import type { StoredEvent } from '@concord/event-store';
import type { ProjectionDefinition } from '@concord/projections';
import { entityKey } from '../entities/entity-view';

export const AUDIT_FLOWS = 'audit-flows';
/** One summary document per correlation id. */
export const FLOWS = 'audit-flows';
/** One document per event of a flow, keyed so that a key-prefix scan returns a flow's steps in log order. */
export const FLOW_STEPS = 'audit-flow-steps';
/** Summaries list at most this many entities and sources, so a runaway flow cannot grow one document without bound. */
export const FLOW_LIST_CAP = 100;

export interface FlowSummary {
  readonly correlationId: string;
  readonly steps: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly firstRecordedAt: string;
  readonly lastRecordedAt: string;
  readonly lastOccurredAt: string;
  /** Entities the flow touched (`type/id`), in order of first appearance, up to FLOW_LIST_CAP. */
  readonly subjects: readonly string[];
  /** True once the flow touched more entities than the list holds. */
  readonly subjectsTruncated: boolean;
  readonly sources: readonly string[];
}

export interface FlowStep {
  readonly correlationId: string;
  /** 1 for the flow's first event. */
  readonly step: number;
  readonly position: number;
  readonly eventId: string;
  readonly recordedAt: string;
  readonly occurredAt: string;
  /** Hub time since the flow's previous event was recorded; null for the first. */
  readonly sincePreviousMs: number | null;
  /** Source time since the previous event occurred (negative when a system reported out of order); null for the first. */
  readonly occurredSincePreviousMs: number | null;
}

/**
 * Correlation ids never hold control characters (PRINTABLE_ID), so U+001F ends
 * the id unambiguously; positions are zero-padded so text order is log order.
 */
export function flowStepPrefix(correlationId: string): string {
  return `${correlationId}\u001f`;
}

export function flowStepKey(correlationId: string, position: number): string {
  return `${flowStepPrefix(correlationId)}${String(position).padStart(16, '0')}`;
}

/**
 * The index from a correlation id to its events in log order: the audit flow
 * view reads it instead of scanning the log, then reads each event by id.
 */
export const auditFlowsProjection: ProjectionDefinition = {
  name: AUDIT_FLOWS,
  version: 1,
  collections: [FLOWS, FLOW_STEPS],
  keysOf: (event) => (event.correlationId ? [{ collection: FLOWS, key: event.correlationId }] : []),
  async apply(event, view) {
    const correlationId = event.correlationId;
    if (!correlationId) return;
    const previous = await view.get<FlowSummary & Record<string, unknown>>(FLOWS, correlationId);
    const step: FlowStep = {
      correlationId,
      step: (previous?.steps ?? 0) + 1,
      position: event.position,
      eventId: event.id,
      recordedAt: event.recordedAt,
      occurredAt: event.occurredAt,
      sincePreviousMs: previous ? millisBetween(previous.lastRecordedAt, event.recordedAt) : null,
      occurredSincePreviousMs: previous ? millisBetween(previous.lastOccurredAt, event.occurredAt) : null,
    };
    view.put(FLOW_STEPS, flowStepKey(correlationId, event.position), { ...step });
    view.put(FLOWS, correlationId, { ...summarise(previous, event, step) });
  },
};

function summarise(previous: FlowSummary | undefined, event: StoredEvent, step: FlowStep): FlowSummary {
  const subject = entityKey(event.subject);
  const subjects = previous?.subjects ?? [];
  const known = subjects.includes(subject);
  const roomForSubject = !known && subjects.length < FLOW_LIST_CAP;
  const sources = previous?.sources ?? [];
  return {
    correlationId: step.correlationId,
    steps: step.step,
    firstPosition: previous?.firstPosition ?? event.position,
    lastPosition: event.position,
    firstRecordedAt: previous?.firstRecordedAt ?? event.recordedAt,
    lastRecordedAt: event.recordedAt,
    lastOccurredAt: event.occurredAt,
    subjects: roomForSubject ? [...subjects, subject] : subjects,
    subjectsTruncated: (previous?.subjectsTruncated ?? false) || (!known && !roomForSubject),
    sources: sources.includes(event.source) || sources.length >= FLOW_LIST_CAP ? sources : [...sources, event.source],
  };
}

function millisBetween(earlier: string, later: string): number {
  return Date.parse(later) - Date.parse(earlier);
}
