import { ERASED, pathsOverlap } from '@concord/personal-data';
import type { FoldContext, ReconItem, SourceFacts } from './reconciliation-model';
import type { EntityRule } from './reconciliation-rules';

/*
 * Crypto-shredding meets reconciliation. Once a subject is forgotten, a rebuild
 * reads "[erased]" wherever its personal values were, so it can neither compare
 * them nor group entities by them. For the live model to equal a rebuild, the
 * erasure withdraws everything that rested on those values, as if they had never
 * been reported: the reports themselves, the mismatch items about them, and the
 * subject's place in natural-key groups (whose duplicate items are folded again
 * without it). Resolutions consumers were owed for withdrawn items are still
 * announced (see `owedResolutions`).
 */

/** An erased personal value, or a compared object holding one: not a report anyone can compare. */
export function isErasedValue(value: unknown): boolean {
  if (value === ERASED) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value as Record<string, unknown>).some(isErasedValue);
}

/** The erased paths a `subject.forgotten` names, split into segments. */
export function erasedPathsOf(data: unknown): string[][] {
  const fields = (data as { erasedFields?: unknown } | null)?.erasedFields;
  if (!Array.isArray(fields)) return [];
  return fields.filter((f): f is string => typeof f === 'string' && f.length > 0).map((f) => f.split('.'));
}

/** Whether a compared path reads erased data: it is an erased path, lies inside one, or contains one. */
export function touchesErased(path: readonly string[], erased: readonly (readonly string[])[]): boolean {
  return erased.some((e) => pathsOverlap(e, path));
}

/** The compared fields of a rule that some source reads from an erased path. */
export function erasedFieldNames(rule: EntityRule, erased: readonly (readonly string[])[]): string[] {
  return rule.fields.filter((field) => Object.values(field.paths).some((path) => path !== undefined && touchesErased(path, erased))).map((field) => field.name);
}

/** A source's facts without the erased reports: those fields, and the natural key if it is erased, as if never reported. */
export function eraseSourceFacts(facts: SourceFacts, fieldNames: readonly string[], naturalKeyErased: boolean): SourceFacts {
  const fields = { ...facts.fields };
  for (const name of fieldNames) delete fields[name];
  const { naturalKey: _key, keyGroups: _groups, ...rest } = facts;
  return naturalKeyErased ? { ...rest, fields } : { ...facts, fields };
}

/** The key of the document that holds a withdrawn item's owed resolution, beside the item's own key. */
export function withdrawnKey(itemId: string, episode: number): string {
  return `${itemId}#withdrawn:${episode}`;
}

/**
 * The resolutions consumers are still owed when an erasure replaces `before`
 * by `after` (undefined: withdrawn entirely): every episode whose opening
 * was recorded, whose resolution is not announced yet, and which `after` does
 * not carry on. Each becomes a small document of its own (values and evidence
 * gone: they rested on erased data) that the sweeper announces like any
 * resolution, dated by the resolution the fold had already found, or else by
 * the erasure; the fold deletes it once the announcement is in the log. A
 * rebuild never holds these documents, and needs none: the announcements are
 * in the log by then.
 */
export function owedResolutions(before: ReconItem | undefined, after: ReconItem | undefined, erasure: Pick<FoldContext, 'eventId' | 'at'>): ReconItem[] {
  if (!before) return [];
  const announced = new Set(before.history.filter((h) => h.change === 'announced').map((h) => h.episode));
  const carried = new Set((after?.history ?? []).filter((h) => h.change === 'opened').map((h) => h.episode));
  const owed = new Set<number>();
  for (const entry of before.history) if (entry.change === 'opened' && !announced.has(entry.episode) && !carried.has(entry.episode)) owed.add(entry.episode);
  for (const known of before.announce) if (!carried.has(known.episode)) owed.add(known.episode);
  return [...owed]
    .sort((a, b) => a - b)
    .map((episode) => {
      const found = before.announce.find((a) => a.episode === episode);
      const resolution = found ?? { episode, at: erasure.at, by: erasure.eventId };
      const since = before.history.find((h) => h.change === 'disagreed' && h.episode === episode)?.at ?? resolution.at;
      return {
        id: before.id,
        kind: before.kind,
        entityType: before.entityType,
        ...(before.subject ? { subject: before.subject } : {}),
        ...(before.field !== undefined ? { field: before.field } : {}),
        ...(before.source !== undefined ? { source: before.source } : {}),
        status: 'resolved' as const,
        episode,
        since,
        dueAt: since,
        values: {},
        evidence: [],
        resolvedAt: resolution.at,
        resolvedBy: resolution.by,
        endedAt: resolution.at,
        announce: [{ episode, at: resolution.at, by: resolution.by }],
        announcing: true,
        history: [],
        rulesVersion: before.rulesVersion,
        withdrawnBy: erasure.eventId,
      };
    });
}
