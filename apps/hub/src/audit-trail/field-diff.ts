import { canonicalJson } from '@concord/common';

type Fields = Record<string, unknown>;

/** One field that differs between two versions of a document; `before`/`after` are left out when the field is absent. */
export interface FieldChange {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * Field-level differences between two JSON documents, as dotted paths in key
 * order. Objects are compared member by member (an object that appears or goes
 * away shows as its leaves); anything else (values, arrays) is compared whole,
 * which is how the entity view merges them.
 */
export function diffFields(before: Fields | undefined, after: Fields | undefined, prefix = ''): FieldChange[] {
  const changes: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  for (const key of keys) {
    const path = prefix ? `${prefix}.${key}` : key;
    const was = before?.[key];
    const now = after?.[key];
    const nested = (isPlainObject(was) || was === undefined) && (isPlainObject(now) || now === undefined);
    if (nested && (was !== undefined || now !== undefined)) {
      const inner = diffFields(was as Fields | undefined, now as Fields | undefined, path);
      // An empty object appearing or vanishing has no leaves to name: name the object itself.
      if (inner.length === 0 && was === undefined) changes.push({ path, kind: 'added', after: now });
      else if (inner.length === 0 && now === undefined) changes.push({ path, kind: 'removed', before: was });
      else changes.push(...inner);
    } else if (was === undefined && now !== undefined) {
      changes.push({ path, kind: 'added', after: now });
    } else if (was !== undefined && now === undefined) {
      changes.push({ path, kind: 'removed', before: was });
    } else if (was !== undefined && !sameValue(was, now)) {
      changes.push({ path, kind: 'changed', before: was, after: now });
    }
  }
  return changes;
}

/** JSON equality: same canonical form (key order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}

export function isPlainObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
