import { createHash } from 'node:crypto';
import { HUB_SOURCE, type ContractRegistry, type SubjectRef } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import type { Doc, ProjectionDefinition, ReadModelView } from '@concord/projections';
import { isStaleReport, reportStyleFrom, type ReportStyle } from '../entities/entity-view';
import {
  addToSummary,
  affectedItemIds,
  disagreementsOf,
  duplicateItemId,
  duplicateOf,
  emptySummary,
  evolveItem,
  isActive,
  markAnnounced,
  naturalKeyDocKey,
  normalizeNaturalKey,
  openItem,
  RECON_ENTITIES,
  RECON_ITEMS,
  RECON_KEYS,
  RECON_SUMMARY,
  signatureOf,
  summaryShare,
  valueAtPath,
  type Disagreement,
  type FieldReport,
  type ItemIdentity,
  type ItemSlot,
  type NaturalKeyIndex,
  type PartFacts,
  type ReconEntity,
  type ReconItem,
  type SourceFacts,
  type Summary,
} from './reconciliation-model';
import type { EntityRule, LinkRule, ReconciliationRules } from './reconciliation-rules';

export const RECONCILIATION = 'reconciliation';
export const ITEM_OPENED = 'reconciliation.item-opened';
export const ITEM_RESOLVED = 'reconciliation.item-resolved';

/** Bump when the fold changes meaning; the rules' hash is mixed in, so changed rules rebuild the read model. */
const CODE_VERSION = 1;

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
  const types = new Set<string>([ITEM_OPENED, ITEM_RESOLVED, ...rules.links.keys()]);
  for (const type of rules.entities.keys()) for (const contract of registry.all()) if (contract.subjectType === type) types.add(contract.type);
  return {
    name: RECONCILIATION,
    version: reconciliationVersion(rules),
    collections: [RECON_ENTITIES, RECON_ITEMS, RECON_KEYS, RECON_SUMMARY],
    handles: [...types],
    keysOf(event) {
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

function baseFacts(previous: SourceFacts | undefined, event: StoredEvent): Omit<SourceFacts, 'fields' | 'naturalKey' | 'parts'> {
  return {
    firstSeenAt: previous?.firstSeenAt ?? event.recordedAt,
    firstEventId: previous?.firstEventId ?? event.id,
    lastEventId: event.id,
    lastOccurredAt: event.occurredAt,
    ...(event.sourceSequence !== undefined ? { sourceSequence: event.sourceSequence } : previous?.sourceSequence !== undefined ? { sourceSequence: previous.sourceSequence } : {}),
    events: (previous?.events ?? 0) + 1,
    staleEvents: previous?.staleEvents ?? 0,
  };
}

/** What a source's own report says about the compared fields: a full state replaces, a change merges. */
function reportedFacts(previous: SourceFacts | undefined, event: StoredEvent, rule: EntityRule, reportStyle: ReportStyle): Update {
  if (isStale(previous, event)) return { stale: true };
  const full = reportStyle(event.type) === 'full-state';
  const fields: Record<string, FieldReport> = full ? {} : { ...previous?.fields };
  for (const field of rule.fields) {
    const path = field.paths[event.source];
    if (!path) continue;
    const value = valueAtPath(event.data, path);
    if (value === undefined) continue;
    const before = previous?.fields[field.name];
    // Evidence is the event that set the value: a report repeating it keeps the earlier one.
    fields[field.name] = before && sameValue(before.value, value) ? before : { value, eventId: event.id, at: event.recordedAt };
  }
  let naturalKey = full ? undefined : previous?.naturalKey;
  if (rule.naturalKey) {
    const value = normalizeNaturalKey(valueAtPath(event.data, rule.naturalKey));
    if (value !== undefined) naturalKey = previous?.naturalKey?.value === value ? previous.naturalKey : { value, eventId: event.id };
  }
  return { stale: false, facts: { ...baseFacts(previous, event), fields, ...(naturalKey ? { naturalKey } : {}) } };
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
    fields[name] = before && before.value === rounded ? before : { value: rounded, eventId: event.id, at: event.recordedAt };
  }
  const base = baseFacts(previous, event);
  return { stale: false, facts: { ...base, sourceSequence: undefined, fields, parts } as SourceFacts };
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

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
  const entity: ReconEntity = stored ?? { subject: { type: subject.type, id: subject.id }, lastPosition: 0, sources: {}, items: {} };
  const previous = entity.sources[source];
  const result = update(previous);
  if (result.stale) {
    // Counted on the source, compared as before: a late, older report never creates a false mismatch.
    const counted = previous ? { ...previous, events: previous.events + 1, staleEvents: previous.staleEvents + 1 } : previous;
    view.put(RECON_ENTITIES, key, { ...entity, lastPosition: event.position, sources: { ...entity.sources, ...(counted ? { [source]: counted } : {}) } } as unknown as Doc);
    return;
  }
  const facts = result.facts.sourceSequence === undefined ? withoutSequence(result.facts) : result.facts;
  const next = { ...entity, lastPosition: event.position, sources: { ...entity.sources, [source]: facts } };
  const ctx = { eventId: event.id, position: event.position, at: event.recordedAt, graceSeconds: rule.graceSeconds, rulesVersion: rules.version };

  const changedFields = new Set<string>();
  for (const field of rule.fields) if (previous?.fields[field.name] !== facts.fields[field.name]) changedFields.add(field.name);
  const affected = { fields: changedFields, presence: previous === undefined };
  const found = disagreementsOf(rule, next, affected);
  const items: Record<string, ItemSlot> = { ...entity.items };
  let summary = (await view.get<Summary & Doc>(RECON_SUMMARY, rule.type)) ?? emptySummary(rule.type);
  const wasMatched = stored !== undefined && activeCount(entity.items) === 0;
  for (const itemId of affectedItemIds(rule, entity.subject, affected)) {
    const slot = entity.items[itemId];
    const now = found.get(itemId);
    if (!now && !isActive(slot?.status)) continue;
    if (now && slot && isActive(slot.status) && slot.sig === signatureOf(now)) continue;
    const identity: ItemIdentity = { id: itemId, entityType: rule.type, subject: entity.subject };
    const changed = await writeItem(view, slot, itemId, now, identity, ctx);
    summary = addToSummary(summary, changed.delta);
    items[itemId] = changed.slot;
  }
  const isMatched = activeCount(items) === 0;
  summary = addToSummary(summary, { entities: stored ? 0 : 1, matched: (isMatched ? 1 : 0) - (wasMatched ? 1 : 0) });
  view.put(RECON_ENTITIES, key, { ...next, items } as unknown as Doc);

  if (rule.naturalKey && previous?.naturalKey?.value !== facts.naturalKey?.value) {
    summary = await moveNaturalKey(view, rule, source, subject.id, previous?.naturalKey?.value, facts.naturalKey, ctx, summary);
  }
  view.put(RECON_SUMMARY, rule.type, summary as unknown as Doc);
}

function withoutSequence(facts: SourceFacts): SourceFacts {
  const { sourceSequence: _drop, ...rest } = facts;
  return rest;
}

function activeCount(items: Readonly<Record<string, ItemSlot>>): number {
  let count = 0;
  for (const slot of Object.values(items)) if (isActive(slot.status)) count++;
  return count;
}

/** Evolves one item, writes it, and says how its type's summary moves. */
async function writeItem(
  view: ReadModelView,
  slot: ItemSlot | undefined,
  itemId: string,
  now: Disagreement | undefined,
  identity: ItemIdentity,
  ctx: Parameters<typeof evolveItem>[3],
): Promise<{ slot: ItemSlot; delta: Record<string, number> }> {
  // An item never seen before needs no read: the slot says whether a document exists.
  const before = slot ? await view.get<ReconItem & Doc>(RECON_ITEMS, itemId) : undefined;
  const after = evolveItem(before, now, identity, ctx)!;
  view.put(RECON_ITEMS, itemId, after as unknown as Doc);
  return { slot: { status: after.status, episode: after.episode, sig: now ? signatureOf(now) : '' }, delta: shareDelta(before, after) };
}

function shareDelta(before: ReconItem | undefined, after: ReconItem | undefined): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(summaryShare(after))) delta[key] = (delta[key] ?? 0) + value;
  for (const [key, value] of Object.entries(summaryShare(before))) delta[key] = (delta[key] ?? 0) - value;
  return delta;
}

/** Moves an entity from one natural-key group of its source to another, re-judging both groups for duplicates. */
async function moveNaturalKey(
  view: ReadModelView,
  rule: EntityRule,
  source: string,
  entityId: string,
  from: string | undefined,
  to: { readonly value: string; readonly eventId: string } | undefined,
  ctx: Parameters<typeof evolveItem>[3],
  summary: Summary,
): Promise<Summary> {
  let out = summary;
  for (const value of [from, to?.value]) {
    if (value === undefined) continue;
    const docKey = naturalKeyDocKey(rule.type, source, value);
    const index = (await view.get<NaturalKeyIndex & Doc>(RECON_KEYS, docKey)) ?? { entityType: rule.type, source, value, ids: {} };
    const ids = { ...index.ids };
    if (value === from) delete ids[entityId];
    if (value === to?.value) ids[entityId] = to.eventId;
    const next: NaturalKeyIndex = { ...index, ids };
    const now = duplicateOf(next);
    const itemId = duplicateItemId(rule.type, source, value);
    let slot = index.item;
    if (now || isActive(slot?.status)) {
      const changed = await writeItem(view, slot, itemId, now, { id: itemId, entityType: rule.type, source, naturalKey: value }, ctx);
      out = addToSummary(out, changed.delta);
      slot = changed.slot;
    }
    if (Object.keys(ids).length === 0 && !slot) view.delete(RECON_KEYS, docKey);
    else view.put(RECON_KEYS, docKey, { ...next, ...(slot ? { item: slot } : {}) } as unknown as Doc);
  }
  return out;
}

/** The sweeper's and the announcer's records, folded into the items they name. */
async function applyHubEvent(event: StoredEvent, view: ReadModelView, rules: ReconciliationRules): Promise<void> {
  const data = event.data as { itemId?: unknown; episode?: unknown; rulesVersion?: unknown };
  // Records made under other rules belong to a reconciliation that no longer exists (rules changed, model rebuilt).
  if (data.rulesVersion !== rules.version || typeof data.itemId !== 'string' || typeof data.episode !== 'number') return;
  const item = await view.get<ReconItem & Doc>(RECON_ITEMS, data.itemId);
  if (!item) return;
  const ctx = { eventId: event.id, position: event.position, at: event.type === ITEM_OPENED ? event.occurredAt : event.recordedAt, rulesVersion: rules.version };
  const next = event.type === ITEM_OPENED ? openItem(item, data.episode, ctx) : markAnnounced(item, data.episode, ctx);
  if (next === item) return;
  view.put(RECON_ITEMS, item.id, next as unknown as Doc);
  if (next.status === item.status) return;
  // The owner (entity or natural-key group) keeps the item's status in its slot, and the type's summary moves.
  const ownerCollection = item.subject ? RECON_ENTITIES : RECON_KEYS;
  const ownerKey = item.subject ? `${item.subject.type}/${item.subject.id}` : naturalKeyDocKey(item.entityType, item.source!, item.naturalKey!);
  const owner = await view.get<Doc>(ownerCollection, ownerKey);
  let summary = (await view.get<Summary & Doc>(RECON_SUMMARY, item.entityType)) ?? emptySummary(item.entityType);
  summary = addToSummary(summary, shareDelta(item, next));
  if (owner) {
    if (item.subject) {
      const entity = owner as unknown as ReconEntity;
      const slots = { ...entity.items, [item.id]: { ...entity.items[item.id]!, status: next.status } };
      const wasMatched = activeCount(entity.items) === 0;
      const isMatched = activeCount(slots) === 0;
      summary = addToSummary(summary, { matched: (isMatched ? 1 : 0) - (wasMatched ? 1 : 0) });
      view.put(ownerCollection, ownerKey, { ...entity, items: slots } as unknown as Doc);
    } else {
      const index = owner as unknown as NaturalKeyIndex;
      view.put(ownerCollection, ownerKey, { ...index, item: { ...index.item!, status: next.status } } as unknown as Doc);
    }
  }
  view.put(RECON_SUMMARY, item.entityType, summary as unknown as Doc);
}
