import { HUB_SOURCE, type ContractRegistry, type SubjectRef } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import { erasePersonalFields } from '@concord/personal-data';

type Fields = Record<string, unknown>;

/** One source system's own view of an entity. */
export interface SourceView {
  readonly state: Fields;
  readonly lastEventId: string;
  /** When the hub recorded this source's latest event. */
  readonly lastSeenAt: string;
  /** When that latest event happened in the source. */
  readonly lastOccurredAt: string;
  readonly lastPosition: number;
  readonly sourceSequence?: number;
  /** Every event this source reported for the entity, stale ones included. */
  readonly events: number;
  /** Events that arrived with a sourceSequence not newer than one already applied: counted, not applied. */
  readonly staleEvents: number;
}

/** The current state of one business entity: merged, and per source side by side. */
export interface EntityView {
  readonly subject: SubjectRef;
  /** Events of the entity's stream folded so far (its last revision + 1). */
  readonly version: number;
  readonly lastEventAt: string;
  readonly lastPosition: number;
  /** For each field, the latest value any source reported (in recording order). */
  readonly state: Fields;
  readonly sources: Readonly<Record<string, SourceView>>;
}

export type ReportStyle = (type: string) => 'full-state' | 'changes';

export function reportStyleFrom(registry: ContractRegistry): ReportStyle {
  return (type) => registry.latest(type)?.reports ?? 'changes';
}

/**
 * Folds one event into an entity view. Pure: the live projection, a rebuild
 * and a time-travel query all call this, so they cannot disagree.
 */
export function evolveEntityView(view: EntityView | undefined, event: StoredEvent, reportStyle: ReportStyle): EntityView {
  if (view && event.position <= view.lastPosition) return view; // redelivered: already folded
  const previous = view?.sources[event.source];
  const stale = isStaleReport(previous, event);

  const base = {
    subject: { type: event.subject.type, id: event.subject.id },
    version: event.revision + 1,
    lastEventAt: event.recordedAt,
    lastPosition: event.position,
  };
  if (stale) {
    return {
      ...base,
      state: view!.state,
      sources: { ...view!.sources, [event.source]: { ...previous!, events: previous!.events + 1, staleEvents: previous!.staleEvents + 1 } },
    };
  }
  const data = event.data as Fields;
  const sourceState = reportStyle(event.type) === 'full-state' ? data : deepMerge(previous?.state ?? {}, data);
  const sourceView: SourceView = {
    state: sourceState,
    lastEventId: event.id,
    lastSeenAt: event.recordedAt,
    lastOccurredAt: event.occurredAt,
    lastPosition: event.position,
    ...(event.sourceSequence !== undefined
      ? { sourceSequence: event.sourceSequence }
      : previous?.sourceSequence !== undefined
        ? { sourceSequence: previous.sourceSequence }
        : {}),
    events: (previous?.events ?? 0) + 1,
    staleEvents: previous?.staleEvents ?? 0,
  };
  return {
    ...base,
    state: deepMerge(view?.state ?? {}, data),
    sources: { ...view?.sources, [event.source]: sourceView },
  };
}

/**
 * A report not newer than one already applied for this source and subject (its
 * sourceSequence is not higher): counted, never applied. Shared by every view
 * that folds per-source state, so they agree on what "stale" means.
 */
export function isStaleReport(previous: { readonly sourceSequence?: number } | undefined, event: Pick<StoredEvent, 'sourceSequence'>): boolean {
  return previous?.sourceSequence !== undefined && event.sourceSequence !== undefined && event.sourceSequence <= previous.sourceSequence;
}

/**
 * Objects merge field by field; anything else (values, arrays) is replaced.
 * Inputs are never modified; unchanged branches are shared with them.
 */
export function deepMerge(target: Fields, patch: Fields): Fields {
  const out: Fields = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The hub's record that a subject was forgotten (`subject.forgotten`, source concord). */
export function isErasure(event: StoredEvent): boolean {
  return event.source === HUB_SOURCE && event.type === 'subject.forgotten';
}

/**
 * Applies an erasure to a view that may hold opened personal values (folded
 * before the key was destroyed): each named field, merged and per source, reads
 * "[erased]". Events read after the erasure already say "[erased]", so a live
 * view, a rebuild and a time-travel fold agree. Nothing else changes: the
 * erasure is not a source's report.
 */
export function eraseFromEntityView(view: EntityView | undefined, event: StoredEvent): EntityView | undefined {
  if (!view) return view;
  const fields = (event.data as { erasedFields?: unknown }).erasedFields;
  if (!Array.isArray(fields) || fields.length === 0) return view;
  const paths = fields.filter((f): f is string => typeof f === 'string');
  const sources: Record<string, SourceView> = {};
  for (const [source, sourceView] of Object.entries(view.sources)) sources[source] = { ...sourceView, state: erasePersonalFields(sourceView.state, paths) };
  return { ...view, state: erasePersonalFields(view.state, paths), sources };
}

export function entityKey(subject: SubjectRef): string {
  return `${subject.type}/${subject.id}`;
}

/**
 * Folds a stream's events (in revision order, already prepared for reading)
 * into the view as it stood after the last one `include` accepts: time travel.
 */
export function foldEntityView(
  events: readonly StoredEvent[],
  reportStyle: ReportStyle,
  include: (event: StoredEvent) => boolean = () => true,
): EntityView | undefined {
  let view: EntityView | undefined;
  for (const event of events) {
    if (!include(event)) break;
    if (isErasure(event)) view = eraseFromEntityView(view, event);
    if (event.source === HUB_SOURCE) continue;
    view = evolveEntityView(view, event, reportStyle);
  }
  return view;
}
