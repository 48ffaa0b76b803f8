import { HUB_SOURCE } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import { eraseFromEntityView, evolveEntityView, isErasure, type EntityView, type ReportStyle } from '../entities/entity-view';
import { diffFields, type FieldChange } from './field-diff';

/**
 * What an event did to the entity view:
 * - `applied`: folded in (even when it changed no field: a repeat of known values);
 * - `stale`: its sourceSequence was not newer than one already applied from that source, so the view counted it and kept its state;
 * - `hub-fact`: recorded by the hub itself (source `concord`), which the entity view does not fold.
 */
export type HistoryOutcome = 'applied' | 'stale' | 'hub-fact';

export interface HistoryStep {
  readonly event: StoredEvent;
  readonly outcome: HistoryOutcome;
  /** Why the event left the state alone, in words; absent when it was applied. */
  readonly note?: string;
  readonly before: EntityView | undefined;
  readonly after: EntityView | undefined;
}

export interface StepChanges {
  /** Merged state before → after. */
  readonly changes: readonly FieldChange[];
  /** The reporting source's own state before → after. */
  readonly sourceChanges: readonly FieldChange[];
}

/**
 * One event's effect on the entity view, computed by the very function the
 * projection and time travel use, so the audit trail cannot tell a different
 * story from the view. Pure.
 */
export function historyStep(before: EntityView | undefined, event: StoredEvent, reportStyle: ReportStyle): HistoryStep {
  if (isErasure(event)) {
    return { event, outcome: 'hub-fact', note: "recorded by the hub itself: the subject's personal data was erased", before, after: eraseFromEntityView(before, event) };
  }
  if (event.source === HUB_SOURCE) {
    return { event, outcome: 'hub-fact', note: 'recorded by the hub itself: not part of the entity view', before, after: before };
  }
  const after = evolveEntityView(before, event, reportStyle);
  const was = before?.sources[event.source];
  const stale = (after.sources[event.source]?.staleEvents ?? 0) > (was?.staleEvents ?? 0);
  return {
    event,
    outcome: stale ? 'stale' : 'applied',
    ...(stale
      ? { note: `stale: not applied (sourceSequence ${event.sourceSequence} is not newer than ${was?.sourceSequence} already applied from ${event.source})` }
      : {}),
    before,
    after,
  };
}

/**
 * The field-level differences a step made. Computed on demand: a page of a long
 * history folds every earlier event but describes only its own.
 */
export function stepChanges(step: HistoryStep): StepChanges {
  const source = step.event.source;
  return {
    changes: diffFields(step.before?.state, step.after?.state),
    sourceChanges: diffFields(step.before?.sources[source]?.state, step.after?.sources[source]?.state),
  };
}

/** The history steps of a stream's events, in order (each event folded onto the view the previous one left). */
export async function* entityHistory(
  events: AsyncIterable<StoredEvent> | Iterable<StoredEvent>,
  reportStyle: ReportStyle,
): AsyncGenerator<HistoryStep> {
  let view: EntityView | undefined;
  for await (const event of events) {
    const step = historyStep(view, event, reportStyle);
    view = step.after;
    yield step;
  }
}
