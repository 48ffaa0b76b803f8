/**
 * Keys that can reach an object's prototype when a payload is later merged or
 * copied with ordinary JavaScript; refused anywhere in an input document.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper documents are refused: no business event needs them and deep recursion is a denial-of-service lever. */
export const MAX_JSON_DEPTH = 32;

export interface JsonShapeProblem {
  readonly kind: 'forbidden-key' | 'too-deep';
  readonly path: string;
  readonly message: string;
}

/** The path of a container, rebuilt from parent links only when a problem is found. */
function pathOf(index: number, parents: readonly number[], keys: ReadonlyArray<string | number | undefined>, lastKey?: string): string {
  const parts: Array<string | number> = lastKey === undefined ? [] : [lastKey];
  for (let at = index; at >= 0 && keys[at] !== undefined; at = parents[at]!) parts.push(keys[at]!);
  let path = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    path += typeof part === 'number' ? `[${part}]` : path ? `.${part}` : part;
  }
  return path;
}

/**
 * Walks a parsed JSON document iteratively (no recursion, so a 10,000-deep
 * document cannot exhaust the stack) and reports the first unsafe spot: a key
 * from FORBIDDEN_KEYS, or a container nested `maxDepth` levels deep. It runs
 * on every event, so containers are kept in flat arrays (no object per node).
 */
export function findJsonShapeProblem(document: unknown, maxDepth = MAX_JSON_DEPTH): JsonShapeProblem | undefined {
  if (document === null || typeof document !== 'object') return undefined;
  // Every container seen: its value, depth, parent index and key in the parent. `stack` holds indexes still to visit.
  const values: object[] = [document];
  const depths: number[] = [0];
  const parents: number[] = [-1];
  const keys: Array<string | number | undefined> = [undefined];
  const stack: number[] = [0];
  const visit = (value: unknown, depth: number, parent: number, key: string | number): void => {
    if (value === null || typeof value !== 'object') return;
    stack.push(values.length);
    values.push(value);
    depths.push(depth);
    parents.push(parent);
    keys.push(key);
  };
  while (stack.length > 0) {
    const index = stack.pop()!;
    const value = values[index]!;
    const depth = depths[index]!;
    if (depth >= maxDepth) {
      const path = pathOf(index, parents, keys) || '(root)';
      return { kind: 'too-deep', path, message: `document nests deeper than ${maxDepth} levels at ${path}` };
    }
    if (Array.isArray(value)) {
      const items = value as unknown[];
      for (let i = 0; i < items.length; i++) visit(items[i], depth + 1, index, i);
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (FORBIDDEN_KEYS.has(key)) {
        const path = pathOf(index, parents, keys, key);
        return { kind: 'forbidden-key', path, message: `the key "${key}" is not allowed (at ${path})` };
      }
      visit(record[key], depth + 1, index, key);
    }
  }
  return undefined;
}

/** True when a container sits `maxDepth` or more levels below the root (the root object is level 0). Iterative. */
export function exceedsJsonDepth(document: unknown, maxDepth: number): boolean {
  if (document === null || typeof document !== 'object') return false;
  const values: object[] = [document];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth >= maxDepth) return true;
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
