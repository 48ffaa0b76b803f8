import { createHash } from 'node:crypto';
import { HUB_SOURCE, type ContractRegistry, type SubjectRef } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import type { Doc, ProjectionDefinition, ReadModelView } from '@concord/projections';
import { isErasure, isStaleReport, reportStyleFrom, type ReportStyle } from '../entities/entity-view';
import { applyGroupStep, refoldGroupWithout, type GroupRef, type GroupState, type GroupStep } from './reconciliation-groups';
import { erasedFieldNames, erasedPathsOf, eraseSourceFacts, isErasedValue, owedResolutions, touchesErased, withdrawnKey } from './reconciliation-erasure';
import {
  addToSummary,
  duplicateItemId,
  emptySummary,
  evolveItem,
  hasActiveItem,
  isActive,
  isNoChange,
  markAnnounced,
  mismatchItemId,
  mismatchOf,
  missingItemId,
  missingOf,
  naturalKeyDocKey,
  noChange,
  normalizeNaturalKey,
  openItem,
  announceAgendaKey,
  dueAgendaKey,
  RECON_AGENDA,
  RECON_ENTITIES,
  RECON_ITEMS,
  RECON_KEYS,
  RECON_SUMMARY,
  tallyItem,
  valueAtPath,
  withSlot,
  type Disagreement,
  type EntityItemSlot,
  type FieldReport,
  type FoldContext,
  type ItemIdentity,
  type ItemSlot,
  type NaturalKeyIndex,
  type PartFacts,
  type ReconEntity,
  type ReconItem,
  type SourceFacts,
  type Summary,
  type SummaryDelta,
} from './reconciliation-model';
import type { EntityRule, LinkRule, ReconciliationRules } from './reconciliation-rules';

export const RECONCILIATION = 'reconciliation';
export const ITEM_OPENED = 'reconciliation.item-opened';
export const ITEM_RESOLVED = 'reconciliation.item-resolved';
const SUBJECT_FORGOTTEN = 'subject.forgotten';

/** Bump when the fold changes meaning; the rules' hash is mixed in, so changed rules rebuild the read model. */
const CODE_VERSION = 5;

export function reconciliationVersion(rules: ReconciliationRules): number {
  return Number.parseInt(createHash('sha256').update(`${CODE_VERSION}:${rules.version}`).digest('hex').slice(0, 7), 16);
}

/**
 * Live cross-system comparison as a pure fold of the log: source events update
 * what each system says and open, change, clear or resolve items; the hub's own
 * `reconciliation.item-opened` / `item-resolved` records (written by the
 * sweeper, which alone knows the time) move items to open and mark resolutions
 * as announced. No wall clock is read here, so a rebuild equals the live model.
 */
export function reconciliationProjection(registry: ContractRegistry, rules: ReconciliationRules): ProjectionDefinition {
  const reportStyle = reportStyleFrom(registry);
  const types = new Set<string>([ITEM_OPENED, ITEM_RESOLVED, SUBJECT_FORGOTTEN, ...rules.links.keys()]);
  for (const type of rules.entities.keys()) for (const contract of registry.all()) if (contract.subjectType === type) types.add(contract.type);
  return {
    name: RECONCILIATION,
    version: reconciliationVersion(rules),
    collections: [RECON_ENTITIES, RECON_ITEMS, RECON_KEYS, RECON_SUMMARY, RECON_AGENDA],
    handles: [...types],
    keysOf(event) {
      if (isErasure(event)) return rules.entities.has(event.subject.type) ? [{ collection: RECON_ENTITIES, key: `${event.subject.type}/${event.subject.id}` }] : [];
      if (event.source === HUB_SOURCE) return [{ collection: RECON_ITEMS, key: event.subject.id }];
      const keys: Array<{ collection: string; key: string }> = [];
      if (rules.entities.has(event.subject.type)) keys.push({ collection: RECON_ENTITIES, key: `${event.subject.type}/${event.subject.id}` });
      for (const { entity, link } of rules.links.get(event.type) ?? []) {
        const id = linkedId(event, link);
        if (id !== undefined) keys.push({ collection: RECON_ENTITIES, key: `${entity.type}/${id}` });
      }
      return keys;
    },
    async apply(event, view) {
      if (isErasure(event)) return applyErasure(event, view, rules);
      if (event.source === HUB_SOURCE) return applyHubEvent(event, view, rules);
      const rule = rules.entities.get(event.subject.type);
      if (rule && rule.sources.includes(event.source) && !rule.links.some((l) => l.as === event.source)) {
        await reconcile(view, rules, rule, event.subject, event, event.source, (previous) => reportedFacts(previous, event, rule, reportStyle));
      }
      for (const { entity, link } of rules.links.get(event.type) ?? []) {
        const id = linkedId(event, link);
        if (id === undefined) continue;
        await reconcile(view, rules, entity, { type: entity.type, id }, event, link.as, (previous) => linkedFacts(previous, event, link));
      }
    },
  };
}

function linkedId(event: StoredEvent, link: LinkRule): string | undefined {
  const id = valueAtPath(event.data, link.idPath);
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : typeof id === 'number' ? String(id) : undefined;
}

/** A report older than what the source already told: lower sourceSequence (as in the entity view), or, without sequences, an older occurredAt. */
function isStale(previous: { readonly sourceSequence?: number; readonly lastOccurredAt: string } | undefined, event: StoredEvent): boolean {
  if (!previous) return false;
  if (isStaleReport(previous, event)) return true;
  return event.sourceSequence === undefined && previous.sourceSequence === undefined && Date.parse(event.occurredAt) < Date.parse(previous.lastOccurredAt);
}

type Update = { readonly stale: true } | { readonly stale: false; readonly facts: SourceFacts };

/** A source's facts after one applied report; the sequence is the newest one seen (a linked source has none). */
function nextFacts(
  previous: SourceFacts | undefined,
  event: StoredEvent,
  sourceSequence: number | undefined,
  fields: Readonly<Record<string, FieldReport>>,
  extra?: Pick<SourceFacts, 'naturalKey' | 'parts' | 'keyGroups'>,
): SourceFacts {
  const facts: { -readonly [K in keyof SourceFacts]: SourceFacts[K] } = {
    firstSeenAt: previous?.firstSeenAt ?? event.recordedAt,
    firstEventId: previous?.firstEventId ?? event.id,
    lastEventId: event.id,
    lastOccurredAt: event.occurredAt,
    events: (previous?.events ?? 0) + 1,
    staleEvents: previous?.staleEvents ?? 0,
    fields,
  };
  if (sourceSequence !== undefined) facts.sourceSequence = sourceSequence;
  if (extra?.naturalKey) facts.naturalKey = extra.naturalKey;
  if (extra?.parts) facts.parts = extra.parts;
  if (extra?.keyGroups) facts.keyGroups = extra.keyGroups;
  return facts;
}

/** What a source's own report says about the compared fields: a full state replaces, a change merges. */
function reportedFacts(previous: SourceFacts | undefined, event: StoredEvent, rule: EntityRule, reportStyle: ReportStyle): Update {
  if (isStale(previous, event)) return { stale: true };
  const full = reportStyle(event.type) === 'full-state';
  const fields: Record<string, FieldReport> = full ? {} : { ...previous?.fields };
  for (const field of rule.fieldsBySource.get(event.source) ?? []) {
    const value = valueAtPath(event.data, field.paths[event.source]!);
    // An erased personal value cannot be compared: read as not reported, as the erasure left the live model.
    if (value === undefined || isErasedValue(value)) continue;
    const before = previous?.fields[field.name];
    // Evidence is the event that set the value: a report repeating it keeps the earlier one.
    fields[field.name] = before && sameValue(before.value, value) ? before : { value, eventId: event.id };
  }
  let naturalKey = full ? undefined : previous?.naturalKey;
  let keyGroups = previous?.keyGroups;
  if (rule.naturalKey) {
    const raw = valueAtPath(event.data, rule.naturalKey);
    const value = isErasedValue(raw) ? undefined : normalizeNaturalKey(raw);
    if (value !== undefined) naturalKey = previous?.naturalKey?.value === value ? previous.naturalKey : { value, eventId: event.id };
    const group = naturalKey ? naturalKeyDocKey(rule.type, event.source, naturalKey.value) : undefined;
    if (group !== undefined && !keyGroups?.includes(group)) keyGroups = [...(keyGroups ?? []), group];
  }
  // No extra object for entity types without a natural key (most reports): this runs for every event.
  const extra = naturalKey || keyGroups ? { ...(naturalKey ? { naturalKey } : {}), ...(keyGroups ? { keyGroups } : {}) } : undefined;
  return { stale: false, facts: nextFacts(previous, event, event.sourceSequence ?? previous?.sourceSequence, fields, extra) };
}

/** A linked entity's report (a payment) updates its part of the virtual source; the fields are the sums over parts. */
function linkedFacts(previous: SourceFacts | undefined, event: StoredEvent, link: LinkRule): Update {
  const partKey = `${event.subject.type}/${event.subject.id}`;
  const part = previous?.parts?.[partKey];
  if (isStale(part, event)) return { stale: true };
  const values: Record<string, number> = {};
  for (const name of link.sum) {
    const value = valueAtPath(event.data, [name]);
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (Number.isFinite(n)) values[name] = n;
  }
  const nextPart: PartFacts = {
    lastEventId: event.id,
    lastOccurredAt: event.occurredAt,
    ...(event.sourceSequence !== undefined ? { sourceSequence: event.sourceSequence } : part?.sourceSequence !== undefined ? { sourceSequence: part.sourceSequence } : {}),
    values,
  };
  const parts = { ...previous?.parts, [partKey]: nextPart };
  const fields: Record<string, FieldReport> = {};
  for (const name of link.sum) {
    // Summed in key order, so a rebuild adds the same floats in the same order.
    const total = Object.keys(parts)
      .sort()
      .reduce((sum, key) => sum + (parts[key]!.values[name] ?? 0), 0);
    const rounded = Math.round(total * 1e6) / 1e6;
    const before = previous?.fields[name];
    fields[name] = before && before.value === rounded ? before : { value: rounded, eventId: event.id };
  }
  return { stale: false, facts: nextFacts(previous, event, undefined, fields, { parts }) };
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

const NO_ITEMS: readonly EntityItemSlot[] = Object.freeze([]);

/**
 * Folds one report into its entity: the source's facts, then only the judgements the report can
 * have changed (each depends on one field's reports, or on which systems know the entity; a field
 * report keeps its identity while its value stays the same), then the type's summary, once.
 */
async function reconcile(
  view: ReadModelView,
  rules: ReconciliationRules,
  rule: EntityRule,
  subject: SubjectRef,
  event: StoredEvent,
  source: string,
  update: (previous: SourceFacts | undefined) => Update,
): Promise<void> {
  const key = `${subject.type}/${subject.id}`;
  const stored = await view.get<ReconEntity & Doc>(RECON_ENTITIES, key);
  if (stored && event.position <= stored.lastPosition) return; // redelivered: already folded
  const entitySubject = stored?.subject ?? { type: subject.type, id: subject.id };
  const previous = stored?.sources[source];
  const result = update(previous);
  if (result.stale) {
    // Counted on the source, compared as before: a late, older report never creates a false mismatch.
    const sources = previous ? { ...stored?.sources, [source]: { ...previous, events: previous.events + 1, staleEvents: previous.staleEvents + 1 } } : (stored?.sources ?? {});
    view.put(RECON_ENTITIES, key, { subject: entitySubject, lastPosition: event.position, sources, items: stored?.items ?? NO_ITEMS });
    return;
  }
  const facts = result.facts;
  const sources = { ...stored?.sources, [source]: facts };
  const ctx: FoldContext = { eventId: event.id, position: event.position, at: event.recordedAt, graceSeconds: rule.graceSeconds, rulesVersion: rules.version };
  const delta = noChange();
  const before = stored?.items ?? NO_ITEMS;
  let items = before;
  const judge = async (itemId: string, now: Disagreement | undefined): Promise<void> => {
    const slot = items.find((s) => s.id === itemId);
    if (!now && !isActive(slot?.status)) return;
    const written = await writeItem(view, slot, now, { id: itemId, entityType: rule.type, subject: entitySubject }, ctx, delta);
    items = withSlot(items, { id: itemId, ...written });
  };
  if (previous === undefined) await judge(missingItemId(entitySubject), missingOf(rule, sources));
  for (const field of rule.fields) {
    if (previous?.fields[field.name] !== facts.fields[field.name]) await judge(mismatchItemId(entitySubject, field.name), mismatchOf(field, sources));
  }
  if (!stored) delta.entities += 1;
  if (items !== before || !stored) delta.matched += (hasActiveItem(items) ? 0 : 1) - (stored === undefined || hasActiveItem(before) ? 0 : 1);
  view.put(RECON_ENTITIES, key, { subject: entitySubject, lastPosition: event.position, sources, items });

  if (rule.naturalKey && previous?.naturalKey?.value !== facts.naturalKey?.value) {
    await moveNaturalKey(view, rule, source, subject.id, previous?.naturalKey?.value, facts.naturalKey, ctx, delta);
  }
  await applyToSummary(view, rule.type, delta);
}

async function applyToSummary(view: ReadModelView, entityType: string, delta: SummaryDelta): Promise<void> {
  if (isNoChange(delta)) return;
  const summary = (await view.get<Summary & Doc>(RECON_SUMMARY, entityType)) ?? emptySummary(entityType);
  view.put(RECON_SUMMARY, entityType, addToSummary(summary, delta) as unknown as Doc);
}

/**
 * Every item document is written or removed here, with the document it replaces, so the sweeper's agenda
 * follows the items exactly (entries the old document called for and the new one does not are removed).
 */
function storeItem(view: ReadModelView, key: string, before: ReconItem | undefined, after: ReconItem | undefined): void {
  if (after) view.put(RECON_ITEMS, key, after as unknown as Doc);
  else view.delete(RECON_ITEMS, key);
  const dueBefore = dueAgendaKey(key, before);
  const dueAfter = dueAgendaKey(key, after);
  if (dueBefore !== dueAfter) {
    if (dueBefore !== undefined) view.delete(RECON_AGENDA, dueBefore);
    if (dueAfter !== undefined) view.put(RECON_AGENDA, dueAfter, { item: key, dueAt: after!.dueAt });
  }
  const announceBefore = announceAgendaKey(key, before);
  const announceAfter = announceAgendaKey(key, after);
  if (announceBefore !== announceAfter) {
    if (announceBefore !== undefined) view.delete(RECON_AGENDA, announceBefore);
    if (announceAfter !== undefined) view.put(RECON_AGENDA, announceAfter, { item: key });
  }
}

/** Evolves one item, writes it, tallies how its type's summary moves, and returns its new slot. */
async function writeItem(view: ReadModelView, slot: ItemSlot | undefined, now: Disagreement | undefined, identity: ItemIdentity, ctx: FoldContext, delta: SummaryDelta): Promise<ItemSlot> {
  // An item never seen before needs no read: the slot says whether a document exists.
  const before = slot ? await view.get<ReconItem & Doc>(RECON_ITEMS, identity.id) : undefined;
  const after = evolveItem(before, now, identity, ctx)!;
  storeItem(view, identity.id, before, after);
  tallyItem(delta, before, -1);
  tallyItem(delta, after, 1);
  return { status: after.status, episode: after.episode };
}

/** Moves an entity from one natural-key group of its source to another, re-judging both groups for duplicates. */
async function moveNaturalKey(
  view: ReadModelView,
  rule: EntityRule,
  source: string,
  entityId: string,
  from: string | undefined,
  to: { readonly value: string; readonly eventId: string } | undefined,
  ctx: FoldContext,
  delta: SummaryDelta,
): Promise<void> {
  const at = { eventId: ctx.eventId, position: ctx.position, at: ctx.at };
  for (const value of [from, to?.value]) {
    if (value === undefined) continue;
    const group: GroupRef = { entityType: rule.type, source, value };
    const before = await loadGroup(view, group);
    const step: GroupStep = value === from ? { kind: 'leave', id: entityId, ...at } : { kind: 'join', id: entityId, keyEventId: to!.eventId, ...at };
    persistGroup(view, group, before, applyGroupStep(before, step, group, ctx), delta);
  }
}

async function loadGroup(view: ReadModelView, group: GroupRef): Promise<GroupState> {
  const index = await view.get<NaturalKeyIndex & Doc>(RECON_KEYS, naturalKeyDocKey(group.entityType, group.source, group.value));
  // The slot says whether the item's document exists, so a group that never was a duplicate reads no item.
  const item = index?.item ? await view.get<ReconItem & Doc>(RECON_ITEMS, duplicateItemId(group.entityType, group.source, group.value)) : undefined;
  return { index, item };
}

/** Writes a group's new state (index and item) and tallies how its type's summary moves. */
function persistGroup(view: ReadModelView, group: GroupRef, before: GroupState, after: GroupState, delta: SummaryDelta): void {
  const docKey = naturalKeyDocKey(group.entityType, group.source, group.value);
  if (after.index) view.put(RECON_KEYS, docKey, after.index as unknown as Doc);
  else if (before.index) view.delete(RECON_KEYS, docKey);
  const itemId = duplicateItemId(group.entityType, group.source, group.value);
  if (after.item !== before.item) storeItem(view, itemId, before.item, after.item);
  tallyItem(delta, before.item, -1);
  tallyItem(delta, after.item, 1);
}

/**
 * A subject was forgotten: its erased personal values are withdrawn from reconciliation, so the live model
 * becomes what a rebuild (which reads "[erased]" there) holds: the reports dropped, the mismatch items about
 * them withdrawn, and every natural-key group it was in folded again without it. See reconciliation-erasure.ts.
 */
async function applyErasure(event: StoredEvent, view: ReadModelView, rules: ReconciliationRules): Promise<void> {
  const rule = rules.entities.get(event.subject.type);
  if (!rule) return;
  const key = `${event.subject.type}/${event.subject.id}`;
  const stored = await view.get<ReconEntity & Doc>(RECON_ENTITIES, key);
  if (!stored || event.position <= stored.lastPosition) return;
  const erased = erasedPathsOf(event.data);
  const fieldNames = erasedFieldNames(rule, erased);
  const naturalKeyErased = rule.naturalKey !== undefined && touchesErased(rule.naturalKey, erased);
  const ctx: FoldContext = { eventId: event.id, position: event.position, at: event.recordedAt, graceSeconds: rule.graceSeconds, rulesVersion: rules.version };
  const delta = noChange();
  const sources: Record<string, SourceFacts> = {};
  for (const [source, facts] of Object.entries(stored.sources)) {
    sources[source] = eraseSourceFacts(facts, fieldNames, naturalKeyErased);
    if (!naturalKeyErased) continue;
    for (const docKey of facts.keyGroups ?? []) {
      const index = await view.get<NaturalKeyIndex & Doc>(RECON_KEYS, docKey);
      if (!index) continue;
      const group: GroupRef = { entityType: rule.type, source: index.source, value: index.value };
      const before = await loadGroup(view, group);
      const after = refoldGroupWithout(index.steps ?? [], event.subject.id, group, ctx);
      keepOwedResolutions(view, before.item, after.item, ctx);
      persistGroup(view, group, before, after, delta);
    }
  }
  const withdrawn = new Set(fieldNames.map((name) => mismatchItemId(stored.subject, name)));
  const items = stored.items.filter((slot) => !withdrawn.has(slot.id));
  for (const slot of stored.items) {
    if (!withdrawn.has(slot.id)) continue;
    const item = await view.get<ReconItem & Doc>(RECON_ITEMS, slot.id);
    keepOwedResolutions(view, item, undefined, ctx);
    tallyItem(delta, item, -1);
    storeItem(view, slot.id, item, undefined);
  }
  delta.matched += (hasActiveItem(items) ? 0 : 1) - (hasActiveItem(stored.items) ? 0 : 1);
  view.put(RECON_ENTITIES, key, { ...stored, lastPosition: event.position, sources, items } as unknown as Doc);
  await applyToSummary(view, rule.type, delta);
}

/** Keeps the resolutions still owed to consumers for what an erasure withdrew (they count for no summary). */
function keepOwedResolutions(view: ReadModelView, before: ReconItem | undefined, after: ReconItem | undefined, ctx: FoldContext): void {
  for (const owed of owedResolutions(before, after, ctx)) storeItem(view, withdrawnKey(owed.id, owed.episode), undefined, owed);
}

/** The sweeper's and the announcer's records, folded into the items they name. */
async function applyHubEvent(event: StoredEvent, view: ReadModelView, rules: ReconciliationRules): Promise<void> {
  const data = event.data as { itemId?: unknown; episode?: unknown; rulesVersion?: unknown };
  // Records made under other rules belong to a reconciliation that no longer exists (rules changed, model rebuilt).
  if (data.rulesVersion !== rules.version || typeof data.itemId !== 'string' || typeof data.episode !== 'number') return;
  if (event.type === ITEM_RESOLVED) {
    // The resolution owed for an item an erasure withdrew is in the log now: nothing is left of it.
    const owed = withdrawnKey(data.itemId, data.episode);
    const owedItem = await view.get<ReconItem & Doc>(RECON_ITEMS, owed);
    if (owedItem) storeItem(view, owed, owedItem, undefined);
  }
  const item = await view.get<ReconItem & Doc>(RECON_ITEMS, data.itemId);
  if (!item) return;
  const ctx = { eventId: event.id, position: event.position, at: event.type === ITEM_OPENED ? event.occurredAt : event.recordedAt, rulesVersion: rules.version };
  if (!item.subject && item.source !== undefined && item.naturalKey !== undefined) {
    // A duplicate item: its group keeps the record among its steps, so the group can be folded again after an erasure.
    const rule = rules.entities.get(item.entityType);
    if (!rule) return;
    const group: GroupRef = { entityType: item.entityType, source: item.source, value: item.naturalKey };
    const before = await loadGroup(view, group);
    const step: GroupStep = { kind: event.type === ITEM_OPENED ? 'opened' : 'announced', episode: data.episode, eventId: ctx.eventId, position: ctx.position, at: ctx.at };
    const after = applyGroupStep(before, step, group, { graceSeconds: rule.graceSeconds, rulesVersion: rules.version });
    const delta = noChange();
    persistGroup(view, group, before, after, delta);
    await applyToSummary(view, item.entityType, delta);
    return;
  }
  const next = event.type === ITEM_OPENED ? openItem(item, data.episode, ctx) : markAnnounced(item, data.episode, ctx);
  if (next === item) return;
  storeItem(view, item.id, item, next);
  if (next.status === item.status) return;
  // The owner (entity or natural-key group) keeps the item's status in its slot, and the type's summary moves.
  const ownerCollection = item.subject ? RECON_ENTITIES : RECON_KEYS;
  const ownerKey = item.subject ? `${item.subject.type}/${item.subject.id}` : naturalKeyDocKey(item.entityType, item.source!, item.naturalKey!);
  const owner = await view.get<Doc>(ownerCollection, ownerKey);
  const delta = noChange();
  tallyItem(delta, item, -1);
  tallyItem(delta, next, 1);
  if (owner) {
    if (item.subject) {
      const entity = owner as unknown as ReconEntity;
      const slots = withSlot(entity.items, { id: item.id, status: next.status, episode: entity.items.find((s) => s.id === item.id)?.episode ?? next.episode });
      delta.matched += (hasActiveItem(slots) ? 0 : 1) - (hasActiveItem(entity.items) ? 0 : 1);
      view.put(ownerCollection, ownerKey, { ...entity, items: slots } as unknown as Doc);
    } else {
      const index = owner as unknown as NaturalKeyIndex;
      view.put(ownerCollection, ownerKey, { ...index, item: { ...index.item!, status: next.status } } as unknown as Doc);
    }
  }
  await applyToSummary(view, item.entityType, delta);
}
