/** JSON documents as the API returns them, flattened to dotted leaf paths for tables and diffs. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Leaf values by dotted path. Objects are walked member by member; arrays and
 * scalars are leaves, which is how the entity view merges them.
 */
export function flatten(document: unknown, prefix = ''): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  if (!isObject(document)) {
    if (prefix) leaves.set(prefix, document);
    return leaves;
  }
  for (const key of Object.keys(document).sort()) {
    const path = prefix ? `${prefix}.${key}` : key;
    const value = document[key];
    if (isObject(value) && Object.keys(value).length > 0) for (const [p, v] of flatten(value, path)) leaves.set(p, v);
    else leaves.set(path, value);
  }
  return leaves;
}

/** Equality of JSON values regardless of key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

/** A value as a short line of text for a table cell. */
export function showValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
