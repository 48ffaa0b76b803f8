import { createHash } from 'node:crypto';
import { canonicalJson } from '@concord/common';
import { PRINTABLE_ID, type SubjectRef } from '@concord/contracts';
import type { GroupStep } from './reconciliation-groups';
import type { EntityRule, FieldRule, Scalar } from './reconciliation-rules';

/** Read-model collections of the reconciliation projection. */
export const RECON_ENTITIES = 'recon-entities';
export const RECON_ITEMS = 'recon-items';
export const RECON_KEYS = 'recon-keys';
export const RECON_SUMMARY = 'recon-summary';
/**
 * The sweeper's agenda: one small document per pending item (key `due/<dueAt>/<item key>`, so keys sort by
 * due time) and per item with resolutions to announce (`announce/<item key>`). The sweeper reads a key range
 * of it instead of scanning every item document, which grew with every item ever seen.
 */
export const RECON_AGENDA = 'recon-agenda';

export const ITEM_KINDS = ['mismatch', 'missing', 'duplicate'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
/** pending: disagreeing, still inside its grace; open: outlived it; resolved: agreed after being open; cleared: agreed before. */
export const ITEM_STATUSES = ['pending', 'open', 'resolved', 'cleared'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** One compared value as a source reported it, with the event that set it. */
export interface FieldReport {
  readonly value: unknown;
  readonly eventId: string;
}

/** The part of a source's view that reconciliation compares. */
export interface SourceFacts {
  readonly firstSeenAt: string;
  readonly firstEventId: string;
  readonly lastEventId: string;
  readonly lastOccurredAt: string;
  readonly sourceSequence?: number;
  readonly events: number;
  /** Reports older than one already applied (lower sourceSequence, or older occurredAt without one): counted, not applied. */
  readonly staleEvents: number;
  readonly fields: Readonly<Record<string, FieldReport>>;
  readonly naturalKey?: { readonly value: string; readonly eventId: string };
  /** A linked (virtual) source: each linked entity's latest report, summed into `fields`. */
  readonly parts?: Readonly<Record<string, PartFacts>>;
  /** The natural-key groups (document keys) this entity ever joined in this source: what an erasure of its key must fold again. */
  readonly keyGroups?: readonly string[];
}

export interface PartFacts {
  readonly lastEventId: string;
  readonly lastOccurredAt: string;
  readonly sourceSequence?: number;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * What the entity's document remembers of each item: whether its document exists (else there is
 * nothing to read), and its status (so "matched" is known without reading the items).
 */
export interface ItemSlot {
  readonly status: ItemStatus;
  readonly episode: number;
}

/** An entity's item slot names its item. */
export interface EntityItemSlot extends ItemSlot {
  readonly id: string;
}

export interface ReconEntity {
  readonly subject: SubjectRef;
  readonly lastPosition: number;
  readonly sources: Readonly<Record<string, SourceFacts>>;
  /**
   * A list, not an object keyed by item id: ids are unique per entity, and objects whose keys
   * differ in every document each get their own hidden class in V8 (slow to copy and to read).
   */
  readonly items: readonly EntityItemSlot[];
}

/** Which entities of one source share one natural key; owns the duplicate item for it. */
export interface NaturalKeyIndex {
  readonly entityType: string;
  readonly source: string;
  readonly value: string;
  /** Entity id → the event that gave it this key. */
  readonly ids: Readonly<Record<string, string>>;
  readonly item?: ItemSlot;
  /** Every membership change and record of the group since it last was empty, in log order (see `applyGroupStep`). */
  readonly steps?: readonly GroupStep[];
}

export interface HistoryEntry {
  readonly change: 'disagreed' | 'changed' | 'opened' | 'resolved' | 'cleared' | 'announced';
  readonly episode: number;
  readonly at: string;
  readonly eventId: string;
  readonly position: number;
  readonly values?: Readonly<Record<string, unknown>>;
  /** `disagreed`: the events behind the values when the episode began (what its opening record cites). */
  readonly evidence?: readonly string[];
}

export interface ReconItem {
  readonly id: string;
  readonly kind: ItemKind;
  readonly entityType: string;
  readonly subject?: SubjectRef;
  readonly field?: string;
  /** duplicate: the source holding the entities twice, and their ids. */
  readonly source?: string;
  readonly naturalKey?: string;
  readonly status: ItemStatus;
  readonly episode: number;
  /** When the current disagreement began (recorded time of the event that caused it). */
  readonly since: string;
  /** since + grace: from then on it is a mismatch, once the sweeper records that. */
  readonly dueAt: string;
  /** Per source: its value (mismatch), its last event or null (missing), the entity ids (duplicate). */
  readonly values: Readonly<Record<string, unknown>>;
  /** mismatch: each source's value in the canonical vocabulary (null: unmapped). */
  readonly canonical?: Readonly<Record<string, unknown>>;
  /** mismatch: sources whose value has no mapping; `unmapped` is then the reason. */
  readonly unmapped?: readonly string[];
  readonly reason?: 'differs' | 'unmapped' | 'missing' | 'duplicate';
  /** The events that set the values shown. */
  readonly evidence: readonly string[];
  readonly openedAt?: string;
  readonly resolvedAt?: string;
  readonly resolvedBy?: string;
  /** When the current episode ended (cleared or resolved). */
  readonly endedAt?: string;
  /** Resolutions the fold found and whose `reconciliation.item-resolved` is not in the log yet. */
  readonly announce: ReadonlyArray<{ readonly episode: number; readonly at: string; readonly by: string }>;
  readonly announcing: boolean;
  readonly history: readonly HistoryEntry[];
  readonly historyDropped?: number;
  readonly rulesVersion: string;
  /**
   * Only on a withdrawn item's leftover (see `owedResolutions`): the erasure that withdrew it. Such a document
   * holds one resolution still to announce and no values, and goes once the announcement is in the log.
   */
  readonly withdrawnBy?: string;
}

export interface Summary {
  readonly entityType: string;
  readonly entities: number;
  readonly matched: number;
  readonly pending: number;
  readonly mismatch: number;
  readonly missing: number;
  readonly duplicate: number;
}

/** A disagreement found by comparing the sources now. */
export interface Disagreement {
  readonly kind: ItemKind;
  readonly field?: string;
  readonly reason: NonNullable<ReconItem['reason']>;
  readonly values: Readonly<Record<string, unknown>>;
  readonly canonical?: Readonly<Record<string, unknown>>;
  readonly unmapped?: readonly string[];
  readonly evidence: readonly string[];
}

export type FieldVerdict = 'match' | 'mismatch' | 'unmapped' | 'incomplete';

export interface FieldComparison {
  readonly field: string;
  readonly verdict: FieldVerdict;
  /** Per source: the reported value, or absent. */
  readonly values: Readonly<Record<string, unknown>>;
  readonly canonical: Readonly<Record<string, unknown>>;
  readonly absent: readonly string[];
  readonly unmapped: readonly string[];
  readonly evidence: readonly string[];
  readonly tolerance?: number;
}

const MAX_HISTORY = 200;
const MAX_EVIDENCE = 50;
const MAX_ITEM_ID = 150;

export function valueAtPath(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** An item id that is printable and short enough to sit inside an event id; long or odd ones are hashed. */
export function itemIdOf(readable: string, kind: ItemKind, entityType: string): string {
  if (readable.length <= MAX_ITEM_ID && PRINTABLE_ID.test(readable)) return readable;
  return `${entityType}:${kind}:${sha(readable, 32)}`;
}

export function mismatchItemId(subject: SubjectRef, field: string): string {
  return itemIdOf(`${subject.type}/${subject.id}:mismatch:${field}`, 'mismatch', subject.type);
}

export function missingItemId(subject: SubjectRef): string {
  return itemIdOf(`${subject.type}/${subject.id}:missing`, 'missing', subject.type);
}

/** Natural keys are often personal data (e-mail): the id carries a digest of the key, never the key. */
export function duplicateItemId(entityType: string, source: string, normalizedKey: string): string {
  return `${entityType}:duplicate:${source}:${sha(normalizedKey, 20)}`;
}

/** The group's document key: a digest again, so the key (often an e-mail address) is no document key. */
export function naturalKeyDocKey(entityType: string, source: string, normalizedKey: string): string {
  return `${entityType}/${source}/${sha(normalizedKey, 32)}`;
}

export function normalizeNaturalKey(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim().toLowerCase();
  return text.length > 0 ? text : undefined;
}

function sha(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A source's value in the canonical vocabulary; `unmapped` when its map has no entry for it. */
function canonicalOf(field: FieldRule, source: string, value: unknown): { readonly value: unknown } | 'unmapped' {
  const table = field.map?.[source];
  if (!table) return { value };
  if ((typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && Object.hasOwn(table, String(value))) {
    return { value: table[String(value)] as Scalar };
  }
  return 'unmapped';
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function agree(field: FieldRule, values: readonly unknown[]): boolean {
  if (field.tolerance !== undefined) {
    const numbers = values.map(asNumber);
    if (numbers.every((n): n is number => n !== undefined)) {
      // A hair of slack so 0.1 + 0.2 vs 0.3 within 0 tolerance is not a disagreement of floating point.
      return Math.max(...numbers) - Math.min(...numbers) <= field.tolerance + 1e-9;
    }
  }
  const [head] = values;
  // Scalars (the usual case) compare directly; objects and arrays by their canonical JSON.
  if (values.every((value) => value === null || typeof value !== 'object')) return values.every((value) => value === head);
  const first = canonicalJson(head ?? null);
  return values.every((value) => canonicalJson(value ?? null) === first);
}

/** Compares one field across the sources that report it. Absent values are not compared (see `absent`). */
export function compareField(field: FieldRule, sources: Readonly<Record<string, SourceFacts>>): FieldComparison {
  const values: Record<string, unknown> = {};
  const canonical: Record<string, unknown> = {};
  const absent: string[] = [];
  const unmapped: string[] = [];
  const evidence: string[] = [];
  for (const source of field.sources) {
    const report = sources[source]?.fields[field.name];
    if (report === undefined) {
      absent.push(source);
      continue;
    }
    values[source] = report.value;
    evidence.push(report.eventId);
    const mapped = canonicalOf(field, source, report.value);
    if (mapped === 'unmapped') {
      unmapped.push(source);
      canonical[source] = null;
    } else canonical[source] = mapped.value;
  }
  const present = Object.keys(values);
  const verdict: FieldVerdict =
    unmapped.length > 0 ? 'unmapped' : present.length < 2 ? 'incomplete' : agree(field, present.map((s) => canonical[s])) ? 'match' : 'mismatch';
  return { field: field.name, verdict, values, canonical, absent, unmapped, evidence, ...(field.tolerance !== undefined ? { tolerance: field.tolerance } : {}) };
}

/**
 * The `missing` disagreement about one entity now: some required systems do not know it.
 * Its values name the event that made each system know the entity (null: not yet), so the
 * item changes only when presence does.
 */
export function missingOf(rule: EntityRule, sources: Readonly<Record<string, SourceFacts>>): Disagreement | undefined {
  let absent = false;
  const values: Record<string, unknown> = {};
  const evidence: string[] = [];
  for (const source of rule.sources) {
    const facts = sources[source];
    if (facts === undefined) absent = true;
    else evidence.push(facts.firstEventId);
    values[source] = facts?.firstEventId ?? null;
  }
  return absent ? { kind: 'missing', reason: 'missing', values, evidence } : undefined;
}

/** The `mismatch` disagreement about one compared field now (beyond tolerance, or unmapped); undefined when it agrees or too few report it. */
export function mismatchOf(field: FieldRule, sources: Readonly<Record<string, SourceFacts>>): Disagreement | undefined {
  if (plainlyAgrees(field, sources)) return undefined;
  const comparison = compareField(field, sources);
  if (comparison.verdict !== 'mismatch' && comparison.verdict !== 'unmapped') return undefined;
  return {
    kind: 'mismatch',
    field: field.name,
    reason: comparison.verdict === 'unmapped' ? 'unmapped' : 'differs',
    values: comparison.values,
    canonical: comparison.canonical,
    ...(comparison.unmapped.length > 0 ? { unmapped: comparison.unmapped } : {}),
    evidence: comparison.evidence,
  };
}

/**
 * Whether a field certainly agrees (or is reported by fewer than two systems) with no value unmapped, judged
 * without building the comparison: the usual case in a fold, which then allocates nothing for the field.
 * Anything it is not sure of (tolerance, objects, unmapped values) is left to `compareField`.
 */
function plainlyAgrees(field: FieldRule, sources: Readonly<Record<string, SourceFacts>>): boolean {
  if (field.tolerance !== undefined) return false;
  let first: unknown;
  let present = 0;
  for (const source of field.sources) {
    const report = sources[source]?.fields[field.name];
    if (report === undefined) continue;
    const mapped = canonicalOf(field, source, report.value);
    if (mapped === 'unmapped' || (mapped.value !== null && typeof mapped.value === 'object')) return false;
    if (present++ === 0) first = mapped.value;
    else if (mapped.value !== first) return false;
  }
  return true;
}

export function duplicateOf(index: NaturalKeyIndex): Disagreement | undefined {
  const ids = Object.keys(index.ids).sort();
  if (ids.length < 2) return undefined;
  return {
    kind: 'duplicate',
    reason: 'duplicate',
    values: { [index.source]: ids },
    evidence: ids.map((id) => index.ids[id]!).slice(0, MAX_EVIDENCE),
  };
}

export function isActive(status: ItemStatus | undefined): boolean {
  return status === 'pending' || status === 'open';
}

/** The event being folded, as items record it. */
export interface FoldContext {
  readonly eventId: string;
  readonly position: number;
  /** Recorded time of the event: the log's clock, so a rebuild dates everything identically. */
  readonly at: string;
  readonly graceSeconds: number;
  readonly rulesVersion: string;
}

export interface ItemIdentity {
  readonly id: string;
  readonly entityType: string;
  readonly subject?: SubjectRef;
  readonly source?: string;
  readonly naturalKey?: string;
}

/**
 * One item's transition when its entity is compared again. Pure. A new
 * disagreement (or one after agreement) starts a new episode; a changed one
 * keeps its episode and notes the change; agreement clears a pending item and
 * resolves an open one (whose resolution is then announced).
 */
export function evolveItem(item: ReconItem | undefined, now: Disagreement | undefined, identity: ItemIdentity, ctx: FoldContext): ReconItem | undefined {
  const active = isActive(item?.status);
  if (!now) {
    if (!item || !active) return item;
    if (item.status === 'pending') return withHistory(item, { status: 'cleared', endedAt: ctx.at }, { change: 'cleared', episode: item.episode, ...at(ctx) });
    return withHistory(
      item,
      {
        status: 'resolved',
        resolvedAt: ctx.at,
        resolvedBy: ctx.eventId,
        endedAt: ctx.at,
        announce: [...item.announce, { episode: item.episode, at: ctx.at, by: ctx.eventId }],
        announcing: true,
      },
      { change: 'resolved', episode: item.episode, ...at(ctx) },
    );
  }
  const shown = {
    values: now.values,
    evidence: now.evidence.slice(0, MAX_EVIDENCE),
    reason: now.reason,
    ...(now.canonical ? { canonical: now.canonical } : {}),
    ...(now.unmapped ? { unmapped: now.unmapped } : {}),
  };
  if (item && active) {
    const { canonical: _c, unmapped: _u, ...rest } = item;
    return withHistory(rest as ReconItem, shown, { change: 'changed', episode: item.episode, ...at(ctx), values: now.values });
  }
  // An episode is named by the log position where it began, not by a counter: a number a rebuild gives it too even when
  // earlier episodes rested on data it can no longer read (erased personal values), so record ids are never reused.
  const episode = ctx.position;
  const dueAt = new Date(Date.parse(ctx.at) + ctx.graceSeconds * 1000).toISOString();
  const fresh: ReconItem = {
    id: identity.id,
    kind: now.kind,
    entityType: identity.entityType,
    ...(identity.subject ? { subject: identity.subject } : {}),
    ...(now.field !== undefined ? { field: now.field } : {}),
    ...(identity.source !== undefined ? { source: identity.source } : {}),
    ...(identity.naturalKey !== undefined ? { naturalKey: identity.naturalKey } : {}),
    status: 'pending',
    episode,
    since: ctx.at,
    dueAt,
    ...shown,
    announce: item?.announce ?? [],
    announcing: item?.announcing ?? false,
    history: item?.history ?? [],
    ...(item?.historyDropped ? { historyDropped: item.historyDropped } : {}),
    rulesVersion: ctx.rulesVersion,
  };
  return withHistory(fresh, {}, { change: 'disagreed', episode, ...at(ctx), values: now.values, evidence: shown.evidence });
}

/**
 * The sweeper recorded that an episode outlived its grace. Applied only to the
 * episode it names under the rules it names; if the sources came to agree
 * before this record reached the log, the episode opened and resolved at once,
 * so consumers always see an opening followed by its resolution.
 */
export function openItem(item: ReconItem, episode: number, ctx: Omit<FoldContext, 'graceSeconds'>): ReconItem {
  if (item.episode === episode && item.status === 'pending') {
    return withHistory(item, { status: 'open', openedAt: ctx.at }, { change: 'opened', episode, ...at(ctx) });
  }
  const alreadyKnown = item.history.some((h) => h.change === 'opened' && h.episode === episode);
  if (alreadyKnown || episode > item.episode) return item;
  const cleared = item.history.find((h) => h.change === 'cleared' && h.episode === episode);
  if (!cleared) return item;
  const opened = withHistory(item, {}, { change: 'opened', episode, ...at(ctx) });
  const resolution = { episode, at: cleared.at, by: cleared.eventId };
  return withHistory(
    opened,
    { announce: [...opened.announce, resolution], announcing: true, ...(item.episode === episode ? { status: 'resolved' as const, openedAt: ctx.at, resolvedAt: cleared.at, resolvedBy: cleared.eventId, endedAt: cleared.at } : {}) },
    { change: 'resolved', episode, at: cleared.at, eventId: cleared.eventId, position: cleared.position },
  );
}

/** The resolution of an episode is in the log now: nothing left to announce for it. */
export function markAnnounced(item: ReconItem, episode: number, ctx: Omit<FoldContext, 'graceSeconds'>): ReconItem {
  if (!item.announce.some((a) => a.episode === episode)) return item;
  const announce = item.announce.filter((a) => a.episode !== episode);
  return withHistory(item, { announce, announcing: announce.length > 0 }, { change: 'announced', episode, ...at(ctx) });
}

function at(ctx: Pick<FoldContext, 'at' | 'eventId' | 'position'>): { at: string; eventId: string; position: number } {
  return { at: ctx.at, eventId: ctx.eventId, position: ctx.position };
}

/** The item with `changes` applied and `entry` added to its history, in one copy (the fold runs this for every item it writes). */
function withHistory(item: ReconItem, changes: Partial<ReconItem>, entry: HistoryEntry): ReconItem {
  if (item.history.length < MAX_HISTORY) return { ...item, ...changes, history: [...item.history, entry] };
  // Keep the first entry (how it began) and the most recent ones.
  const dropped = item.history.length + 1 - MAX_HISTORY;
  return { ...item, ...changes, history: [item.history[0]!, ...item.history.slice(dropped + 1), entry], historyDropped: (item.historyDropped ?? 0) + dropped };
}

export type SummaryCounts = Omit<Summary, 'entityType'>;
/** How a type's summary moves: a scratch tally of one event's changes, applied to the stored summary once. */
export type SummaryDelta = { -readonly [K in keyof SummaryCounts]: number };

export function emptySummary(entityType: string): Summary {
  return { entityType, entities: 0, matched: 0, pending: 0, mismatch: 0, missing: 0, duplicate: 0 };
}

export function noChange(): SummaryDelta {
  return { entities: 0, matched: 0, pending: 0, mismatch: 0, missing: 0, duplicate: 0 };
}

/** Tallies what an item counts for in its type's summary (pending, or its kind once open), with `sign` -1 to take it away. */
export function tallyItem(delta: SummaryDelta, item: Pick<ReconItem, 'status' | 'kind'> | undefined, sign: 1 | -1): void {
  if (item?.status === 'pending') delta.pending += sign;
  else if (item?.status === 'open') delta[item.kind] += sign;
}

export function isNoChange(delta: SummaryDelta): boolean {
  return delta.entities === 0 && delta.matched === 0 && delta.pending === 0 && delta.mismatch === 0 && delta.missing === 0 && delta.duplicate === 0;
}

export function addToSummary(summary: Summary, delta: Partial<SummaryCounts>): Summary {
  return {
    entityType: summary.entityType,
    entities: summary.entities + (delta.entities ?? 0),
    matched: summary.matched + (delta.matched ?? 0),
    pending: summary.pending + (delta.pending ?? 0),
    mismatch: summary.mismatch + (delta.mismatch ?? 0),
    missing: summary.missing + (delta.missing ?? 0),
    duplicate: summary.duplicate + (delta.duplicate ?? 0),
  };
}

/** An agenda entry: which item document to look at, and (for `due/` entries) from when. */
export interface AgendaEntry {
  readonly item: string;
  readonly dueAt?: string;
}

/** The `due/` agenda key of an item document stored under `key`, if it is pending. */
export function dueAgendaKey(key: string, item: Pick<ReconItem, 'status' | 'dueAt'> | undefined): string | undefined {
  return item?.status === 'pending' ? `due/${item.dueAt}/${key}` : undefined;
}

/** The `announce/` agenda key of an item document stored under `key`, if it has resolutions to announce. */
export function announceAgendaKey(key: string, item: Pick<ReconItem, 'announcing'> | undefined): string | undefined {
  return item?.announcing ? `announce/${key}` : undefined;
}

/** Whether an entity counts as matched: known, and no item about it pending or open. */
export function hasActiveItem(items: readonly ItemSlot[]): boolean {
  for (const slot of items) if (isActive(slot.status)) return true;
  return false;
}

/** The slots with one item's slot set (replaced where it was, else added at the end). */
export function withSlot(items: readonly EntityItemSlot[], slot: EntityItemSlot): EntityItemSlot[] {
  const index = items.findIndex((s) => s.id === slot.id);
  if (index < 0) return [...items, slot];
  const out = items.slice();
  out[index] = slot;
  return out;
}

/** One episode of an item, as its history tells it: for reports over a time window. */
export interface Episode {
  readonly episode: number;
  readonly since: string;
  readonly openedAt?: string;
  /** When it cleared (never opened) or resolved; absent while it lasts. */
  readonly endedAt?: string;
  readonly outcome?: 'cleared' | 'resolved';
}

export function episodesOf(item: Pick<ReconItem, 'history'>): Episode[] {
  const byNumber = new Map<number, { episode: number; since: string; openedAt?: string; endedAt?: string; outcome?: 'cleared' | 'resolved' }>();
  for (const entry of item.history) {
    if (entry.change === 'disagreed') byNumber.set(entry.episode, { episode: entry.episode, since: entry.at });
    const episode = byNumber.get(entry.episode);
    if (!episode) continue;
    if (entry.change === 'opened') episode.openedAt = entry.at;
    if (entry.change === 'cleared' || entry.change === 'resolved') {
      episode.endedAt = entry.at;
      episode.outcome = entry.change;
    }
  }
  return [...byNumber.values()].sort((a, b) => a.episode - b.episode);
}

/** How an episode stood at a moment: what a report for a window ending then says. */
export function statusAt(episode: Episode, moment: string): ItemStatus {
  if (episode.endedAt !== undefined && episode.endedAt <= moment) return episode.outcome === 'resolved' ? 'resolved' : 'cleared';
  return episode.openedAt !== undefined && episode.openedAt <= moment ? 'open' : 'pending';
}
