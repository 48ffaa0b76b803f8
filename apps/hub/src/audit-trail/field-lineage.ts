import type { StoredEvent } from '@concord/event-store';
import { valueAtPath } from '@concord/projections';
import type { HistoryStep } from './entity-history';
import { credentialOf } from './event-facts';
import { sameValue } from './field-diff';

/** The facts about an event an auditor needs to tell it apart and look it up. */
export interface EventRef {
  readonly eventId: string;
  readonly position: number;
  readonly revision: number;
  readonly type: string;
  readonly source: string;
  readonly actor?: { readonly type: string; readonly id: string };
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly credential?: string;
}

export function eventRef(event: StoredEvent): EventRef {
  const credential = credentialOf(event.transport);
  return {
    eventId: event.id,
    position: event.position,
    revision: event.revision,
    type: event.type,
    source: event.source,
    ...(event.actor ? { actor: event.actor } : {}),
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    ...(credential !== null ? { credential } : {}),
  };
}

/** A field's value, or its absence (which JSON `null` is not). */
export type FieldValue = { readonly present: true; readonly value: unknown } | { readonly present: false };

/** One value the field took, the event that gave it, and what it replaced. */
export type ValueSetting = FieldValue & {
  readonly setBy: EventRef;
  readonly replaced: FieldValue;
  /** Later applied events that reported this same value again without changing it. */
  readonly confirmations: number;
  readonly lastConfirmedBy?: EventRef;
};

export interface NotAppliedReport {
  readonly event: EventRef;
  readonly reported: unknown;
  readonly note: string;
}

export interface FieldLineage {
  readonly field: string;
  /** The field in the merged state now: `chain[0]` set it, `chain[1]` is what it replaced, and so on. */
  readonly current: FieldValue;
  /** Every change of the merged value, newest first. */
  readonly chain: readonly ValueSetting[];
  /** Each source's own value of the field and the event of that source that set it. */
  readonly sources: Readonly<Record<string, ValueSetting>>;
  /** Reports of the field the view did not apply (stale), newest first. */
  readonly notApplied: readonly NotAppliedReport[];
}

/**
 * Follows one field (a dotted path into the state) through the history of an
 * entity, one step at a time (a long stream need not sit in memory). Derived
 * from the same history steps the audit trail shows, never stored.
 */
export class FieldTracer {
  private readonly merged = new ValueTrack();
  private readonly bySource = new Map<string, ValueTrack>();
  private readonly notApplied: NotAppliedReport[] = [];

  constructor(readonly field: string) {}

  observe(step: HistoryStep): void {
    const { event } = step;
    const field = this.field;
    const reported = valueAtPath(event.data, field);
    if (step.outcome === 'stale') {
      if (reported !== undefined) this.notApplied.push({ event: eventRef(event), reported, note: step.note ?? 'not applied' });
      return;
    }
    if (step.outcome !== 'applied') return;
    this.merged.observe(fieldValue(step.before?.state, field), fieldValue(step.after?.state, field), reported !== undefined, event);
    const track = this.bySource.get(event.source) ?? new ValueTrack();
    this.bySource.set(event.source, track);
    track.observe(
      fieldValue(step.before?.sources[event.source]?.state, field),
      fieldValue(step.after?.sources[event.source]?.state, field),
      reported !== undefined,
      event,
    );
  }

  result(): FieldLineage {
    const sources: Record<string, ValueSetting> = {};
    for (const [source, track] of [...this.bySource].sort(([a], [b]) => a.localeCompare(b))) {
      const latest = track.latest;
      if (latest) sources[source] = latest;
    }
    const latest = this.merged.latest;
    return {
      field: this.field,
      current: latest ? valueOnly(latest) : { present: false },
      chain: this.merged.newestFirst(),
      sources,
      notApplied: [...this.notApplied].reverse(),
    };
  }
}

/** The lineage of one field over a whole history. Pure. */
export function traceField(steps: Iterable<HistoryStep>, field: string): FieldLineage {
  const tracer = new FieldTracer(field);
  for (const step of steps) tracer.observe(step);
  return tracer.result();
}

function fieldValue(state: Record<string, unknown> | undefined, field: string): FieldValue {
  const value = valueAtPath(state, field);
  return value === undefined ? { present: false } : { present: true, value };
}

function valueOnly(value: FieldValue): FieldValue {
  return value.present ? { present: true, value: value.value } : { present: false };
}

function sameFieldValue(a: FieldValue, b: FieldValue): boolean {
  return a.present === b.present && (!a.present || sameValue(a.value, (b as { value: unknown }).value));
}

/** The successive values of one field in one document. */
class ValueTrack {
  private readonly settings: ValueSetting[] = [];

  get latest(): ValueSetting | undefined {
    return this.settings[this.settings.length - 1];
  }

  newestFirst(): ValueSetting[] {
    return [...this.settings].reverse();
  }

  observe(before: FieldValue, after: FieldValue, reported: boolean, event: StoredEvent): void {
    if (!sameFieldValue(before, after)) {
      this.settings.push({ ...valueOnly(after), setBy: eventRef(event), replaced: valueOnly(before), confirmations: 0 });
      return;
    }
    const latest = this.latest;
    if (reported && latest) {
      this.settings[this.settings.length - 1] = { ...latest, confirmations: latest.confirmations + 1, lastConfirmedBy: eventRef(event) };
    }
  }
}
