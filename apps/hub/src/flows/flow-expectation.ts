import { createHash } from 'node:crypto';
import { canonicalJson } from '@concord/common';
import { HUB_SOURCE, type SubjectRef } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import type { HubEvent } from '../hub-events/hub-event-recorder';
import type { FlowRule } from './flow-rules';

/**
 * The life of one expectation ("this entity must see event Y by then"), one per rule and entity:
 *
 *   unstarted ──start──► waiting ──flow.overdue──► overdue ──met──► clearing ──flow.cleared──► cleared
 *       │ (Y seen first)    │ met                                      ▲
 *       └─start, Y matches──┴──────► fulfilled ──flow.overdue (raced)──┘
 *
 * Every step is a pure function of the event: the only decision that needs a clock
 * (the deadline passed) is taken by the sweeper and comes back as a `flow.overdue`
 * event, so a rebuild from the log gives exactly what the live run gave.
 */
export type FlowPhase = 'unstarted' | 'waiting' | 'overdue' | 'fulfilled' | 'clearing' | 'cleared';

export interface SeenEvent {
  readonly eventId: string;
  readonly type: string;
  readonly source: string;
  /** When it occurred in its source. */
  readonly at: string;
  readonly recordedAt: string;
  readonly position: number;
}

/** An expected-kind event that has not met the expectation (yet): kept to match a later start, and shown to operators. */
export interface Candidate extends SeenEvent {
  /** Its values of the rule's sameFields (absent fields left out). */
  readonly values: Readonly<Record<string, unknown>>;
}

export interface Expectation {
  readonly id: string;
  readonly rule: string;
  readonly entity: SubjectRef;
  readonly phase: FlowPhase;
  /** Waiting or overdue: the expectation is unmet and its deadline matters. */
  readonly open: boolean;
  readonly startedBy?: SeenEvent;
  /** How many starting events arrived (a source re-sending its fact starts nothing new). */
  readonly starts: number;
  readonly correlationId?: string;
  /** ISO-8601 (UTC, milliseconds): after this instant an unmet expectation is overdue. */
  readonly expectedBy?: string;
  /** The starting event's values of the rule's sameFields, which the expected event must repeat. */
  readonly expected?: Readonly<Record<string, unknown>>;
  /** Why the deadline could not be read from the starting event (then the expectation is due at once). */
  readonly problem?: string;
  readonly candidates: readonly Candidate[];
  /** Candidates dropped beyond CANDIDATE_CAP (oldest first). */
  readonly candidatesDropped: number;
  /** The newest event about the entity (or linked to it) while the expectation was open. */
  readonly lastEvent?: SeenEvent;
  readonly fulfilledBy?: SeenEvent;
  /** The `flow.overdue` record, once the hub stated it. */
  readonly overdue?: HubRecord;
  readonly cleared?: HubRecord;
}

export interface HubRecord {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly position: number;
}

/** What one event means for one expectation. */
export type FlowStep =
  | { readonly kind: 'start'; readonly event: StoredEvent }
  | { readonly kind: 'candidate'; readonly event: StoredEvent }
  | { readonly kind: 'touch'; readonly event: StoredEvent }
  | { readonly kind: 'overdue'; readonly event: StoredEvent }
  | { readonly kind: 'cleared'; readonly event: StoredEvent };

export const CANDIDATE_CAP = 20;
export const FLOW_OVERDUE = 'flow.overdue';
export const FLOW_CLEARED = 'flow.cleared';
export const FLOW_SUBJECT_TYPE = 'flow';
const MAX_READABLE_ID = 180;

/** `<rule>/<type>/<id>`; an entity id that would make it longer than 180 characters is replaced by `#` + 32 hex of its SHA-256. */
export function expectationId(rule: string, entity: SubjectRef): string {
  const readable = `${rule}/${entity.type}/${entity.id}`;
  if (readable.length <= MAX_READABLE_ID) return readable;
  return `${rule}/${entity.type}/#${createHash('sha256').update(entity.id).digest('hex').slice(0, 32)}`;
}

/** The steps an event causes, per expectation it concerns, for one rule (in the order they apply). */
export function stepsFor(rule: FlowRule, event: StoredEvent): Array<{ readonly entity: SubjectRef; readonly step: FlowStep }> {
  if (event.source === HUB_SOURCE) {
    if (event.type !== FLOW_OVERDUE && event.type !== FLOW_CLEARED) return [];
    const data = event.data as { rule?: unknown; entity?: SubjectRef };
    if (data.rule !== rule.name || !data.entity) return [];
    return [{ entity: { type: data.entity.type, id: data.entity.id }, step: { kind: event.type === FLOW_OVERDUE ? 'overdue' : 'cleared', event } }];
  }
  const steps: Array<{ entity: SubjectRef; step: FlowStep }> = [];
  const ownEntity = event.subject.type === rule.entityType;
  const starts = ownEntity && event.type === rule.when.type && (rule.when.source === undefined || rule.when.source === event.source);
  if (starts) steps.push({ entity: event.subject, step: { kind: 'start', event } });
  const linked = linkedEntity(rule, event);
  if (linked) steps.push({ entity: linked, step: { kind: 'candidate', event } });
  else if (ownEntity && !starts) steps.push({ entity: event.subject, step: { kind: 'touch', event } });
  return steps;
}

/** The entity an expected-kind event would meet the expectation of, if it is one. */
function linkedEntity(rule: FlowRule, event: StoredEvent): SubjectRef | undefined {
  const { type, source, link } = rule.expect;
  if ((type !== undefined && event.type !== type) || (source !== undefined && event.source !== source)) return undefined;
  if (link === undefined) return event.subject.type === rule.entityType ? event.subject : undefined;
  const id = valueAt(event.data, link);
  if (typeof id === 'string' && id.length > 0) return { type: rule.entityType, id };
  if (typeof id === 'number' && Number.isFinite(id)) return { type: rule.entityType, id: String(id) };
  return undefined;
}

/** One step of one expectation. Returns the same object when nothing changes (no write needed). */
export function evolveExpectation(state: Expectation | undefined, rule: FlowRule, entity: SubjectRef, step: FlowStep): Expectation | undefined {
  const current = state ?? blank(rule, entity);
  const { event } = step;
  switch (step.kind) {
    case 'start':
      return start(current, rule, event);
    case 'candidate':
      return offer(current, rule, event);
    case 'touch':
      return current.open ? { ...current, lastEvent: seen(event) } : state;
    case 'overdue': {
      const record = hubRecord(event);
      if (current.phase === 'waiting') return { ...current, phase: 'overdue', open: true, overdue: record };
      // Met in the instant between the sweeper's read and its write: the record stands, so a flow.cleared must follow it.
      if (current.phase === 'fulfilled') return { ...current, phase: 'clearing', open: false, overdue: record };
      // Unstarted (rules changed since it was stated) or already overdue: nothing to change.
      return state;
    }
    case 'cleared':
      if (current.phase === 'clearing' || current.phase === 'overdue') return { ...current, phase: 'cleared', open: false, cleared: hubRecord(event) };
      return state;
    default:
      return assertNever(step);
  }
}

function blank(rule: FlowRule, entity: SubjectRef): Expectation {
  return { id: expectationId(rule.name, entity), rule: rule.name, entity: { type: entity.type, id: entity.id }, phase: 'unstarted', open: false, starts: 0, candidates: [], candidatesDropped: 0 };
}

function start(current: Expectation, rule: FlowRule, event: StoredEvent): Expectation {
  const starts = current.starts + 1;
  if (current.phase === 'fulfilled' || current.phase === 'clearing' || current.phase === 'cleared') return { ...current, starts };
  const expected = pick(event.data, rule.expect.sameFields);
  let next: Expectation;
  if (current.phase === 'unstarted') {
    const { expectedBy, problem } = deadlineOf(rule, event);
    next = {
      ...current,
      phase: 'waiting',
      open: true,
      startedBy: seen(event),
      starts,
      ...(event.correlationId !== undefined ? { correlationId: event.correlationId } : {}),
      expectedBy,
      ...(problem !== undefined ? { problem } : {}),
      expected,
      lastEvent: seen(event),
    };
  } else {
    // Started again (a re-issued invoice): the newest values count. A date-field deadline follows the
    // newest event until the hub has stated the expectation overdue; after that the statement stands.
    next = { ...current, starts, expected, lastEvent: seen(event) };
    if (current.phase === 'waiting' && rule.deadline.kind === 'field') {
      const { problem: _previous, ...rest } = next;
      const moved = deadlineOf(rule, event);
      next = { ...rest, expectedBy: moved.expectedBy, ...(moved.problem !== undefined ? { problem: moved.problem } : {}) };
    }
  }
  const match = next.candidates.findIndex((candidate) => meets(rule, next.expected ?? {}, candidate.values));
  if (match < 0) return next;
  const fulfilledBy = toSeen(next.candidates[match]!);
  return met({ ...next, candidates: next.candidates.filter((_, i) => i !== match) }, fulfilledBy);
}

function offer(current: Expectation, rule: FlowRule, event: StoredEvent): Expectation | undefined {
  const candidate: Candidate = { ...seen(event), values: pick(event.data, rule.expect.sameFields) };
  if (current.phase === 'waiting' || current.phase === 'overdue') {
    if (meets(rule, current.expected ?? {}, candidate.values)) return met({ ...current, lastEvent: seen(event) }, seen(event));
    return { ...keep(current, candidate), lastEvent: seen(event) };
  }
  if (current.phase === 'unstarted') {
    // Without values to compare, any one such event meets a later start: one is enough to remember.
    if (rule.expect.sameFields.length === 0 && current.candidates.length > 0) return current;
    return keep(current, candidate);
  }
  return current; // met already: later such events change nothing
}

function met(current: Expectation, by: SeenEvent): Expectation {
  return { ...current, phase: current.phase === 'overdue' ? 'clearing' : 'fulfilled', open: false, fulfilledBy: by };
}

function keep(current: Expectation, candidate: Candidate): Expectation {
  const all = [...current.candidates, candidate];
  const dropped = Math.max(0, all.length - CANDIDATE_CAP);
  return { ...current, candidates: all.slice(dropped), candidatesDropped: current.candidatesDropped + dropped };
}

/** Equal values for every sameField: numbers within the tolerance, anything else by canonical JSON; absent equals only absent. */
export function meets(rule: FlowRule, expected: Readonly<Record<string, unknown>>, values: Readonly<Record<string, unknown>>): boolean {
  return rule.expect.sameFields.every((field) => {
    const want = expected[field];
    const got = values[field];
    if (want === undefined || got === undefined) return want === got;
    if (typeof want === 'number' && typeof got === 'number') return Math.abs(want - got) <= rule.expect.tolerance;
    return canonicalJson(want) === canonicalJson(got);
  });
}

/**
 * The instant after which the expectation is overdue. A date-only value (`2026-12-01`) means the
 * whole day (UTC): due by the start of the next one. A date-time without a zone is read as UTC.
 * A value that is no date makes the expectation due at once, with the reason, rather than never.
 */
export function deadlineOf(rule: FlowRule, event: StoredEvent): { expectedBy: string; problem?: string } {
  const occurred = Date.parse(event.occurredAt);
  if (rule.deadline.kind === 'within') return { expectedBy: new Date(occurred + rule.deadline.ms).toISOString() };
  const raw = valueAt(event.data, rule.deadline.field);
  const at = typeof raw === 'string' ? parseDeadline(raw) : undefined;
  if (at !== undefined) return { expectedBy: new Date(at).toISOString() };
  const shown = JSON.stringify(raw)?.slice(0, 80) ?? 'nothing';
  return { expectedBy: new Date(occurred).toISOString(), problem: `${rule.deadline.field} is ${shown}, not a date; due at once` };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

function parseDeadline(text: string): number | undefined {
  const day = DATE_ONLY.exec(text);
  if (day) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    const check = new Date(start);
    if (check.getUTCDate() !== Number(day[3]) || check.getUTCMonth() !== Number(day[2]) - 1) return undefined;
    return start + 86_400_000;
  }
  if (!DATE_TIME.test(text)) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const at = Date.parse(zoned);
  return Number.isNaN(at) ? undefined : at;
}

/** Overdue now: unmet, and the deadline is strictly in the past. */
export function isStuck(expectation: Expectation, now: Date): boolean {
  return expectation.open && expectation.expectedBy !== undefined && Date.parse(expectation.expectedBy) < now.getTime();
}

/** A fact the hub states about a flow (recorded through the shared HubEventRecorder). */
export type FlowHubEvent = HubEvent & { readonly type: typeof FLOW_OVERDUE | typeof FLOW_CLEARED };

/**
 * The sweeper's decision for the expectations it read at `now`: state overdue what is
 * waiting past its deadline, and cleared what was met after being stated overdue. Ids
 * and contents come from the log only, so stating a fact twice is a duplicate.
 */
export function decideSweep(expectations: readonly Expectation[], now: Date): FlowHubEvent[] {
  const events: FlowHubEvent[] = [];
  for (const expectation of expectations) {
    if (expectation.phase === 'waiting' && isStuck(expectation, now)) events.push(overdueEvent(expectation));
    else if (expectation.phase === 'clearing') events.push(clearedEvent(expectation));
  }
  return events;
}

function facts(expectation: Expectation): Record<string, unknown> {
  return { expectationId: expectation.id, rule: expectation.rule, entity: expectation.entity, expectedBy: expectation.expectedBy, startedBy: expectation.startedBy!.eventId };
}

function overdueEvent(expectation: Expectation): FlowHubEvent {
  return {
    id: `flow:${expectation.id}:overdue`,
    type: FLOW_OVERDUE,
    subject: { type: FLOW_SUBJECT_TYPE, id: expectation.id },
    occurredAt: expectation.expectedBy!,
    ...(expectation.correlationId !== undefined ? { correlationId: expectation.correlationId } : {}),
    causationId: expectation.startedBy!.eventId,
    data: { ...facts(expectation), ...(expectation.problem !== undefined ? { problem: expectation.problem } : {}) },
  };
}

function clearedEvent(expectation: Expectation): FlowHubEvent {
  const by = expectation.fulfilledBy!;
  return {
    id: `flow:${expectation.id}:cleared`,
    type: FLOW_CLEARED,
    subject: { type: FLOW_SUBJECT_TYPE, id: expectation.id },
    occurredAt: by.recordedAt,
    ...(expectation.correlationId !== undefined ? { correlationId: expectation.correlationId } : {}),
    causationId: by.eventId,
    data: { ...facts(expectation), clearedBy: by.eventId },
  };
}

function seen(event: StoredEvent): SeenEvent {
  return { eventId: event.id, type: event.type, source: event.source, at: event.occurredAt, recordedAt: event.recordedAt, position: event.position };
}

function toSeen({ values: _values, ...event }: Candidate): SeenEvent {
  return event;
}

function hubRecord(event: StoredEvent): HubRecord {
  return { eventId: event.id, recordedAt: event.recordedAt, position: event.position };
}

function pick(data: Readonly<Record<string, unknown>>, fields: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const value = valueAt(data, field);
    if (value !== undefined) values[field] = value;
  }
  return values;
}

function valueAt(data: unknown, path: string): unknown {
  let value = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function assertNever(value: never): never {
  throw new Error(`unhandled flow step ${JSON.stringify(value)}`);
}
