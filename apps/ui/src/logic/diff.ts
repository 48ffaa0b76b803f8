import { flatten, sameValue } from './fields';

export interface FieldChange {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Field-level differences between two documents, as dotted paths in path order. */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const old = flatten(before ?? {});
  const now = flatten(after ?? {});
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const path of paths) {
    const had = old.has(path);
    const has = now.has(path);
    if (had && !has) changes.push({ path, kind: 'removed', before: old.get(path) });
    else if (!had && has) changes.push({ path, kind: 'added', after: now.get(path) });
    else if (!sameValue(old.get(path), now.get(path))) changes.push({ path, kind: 'changed', before: old.get(path), after: now.get(path) });
  }
  return changes;
}
