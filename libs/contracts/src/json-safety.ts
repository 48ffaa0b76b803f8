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

/** A container still to visit; the path is rebuilt from parents only when a problem is found. */
interface Pending {
  readonly value: object;
  readonly depth: number;
  readonly parent: Pending | undefined;
  readonly key: string | number | undefined;
}

function pathOf(node: Pending | undefined, lastKey?: string): string {
  const parts: Array<string | number> = lastKey === undefined ? [] : [lastKey];
  for (let at = node; at && at.key !== undefined; at = at.parent) parts.push(at.key);
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
 * from FORBIDDEN_KEYS, or a container nested `maxDepth` levels deep.
 */
export function findJsonShapeProblem(document: unknown, maxDepth = MAX_JSON_DEPTH): JsonShapeProblem | undefined {
  if (document === null || typeof document !== 'object') return undefined;
  const pending: Pending[] = [{ value: document, depth: 0, parent: undefined, key: undefined }];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.depth >= maxDepth) {
      const path = pathOf(node) || '(root)';
      return { kind: 'too-deep', path, message: `document nests deeper than ${maxDepth} levels at ${path}` };
    }
    if (Array.isArray(node.value)) {
      const items = node.value as unknown[];
      for (let index = 0; index < items.length; index++) {
        const item = items[index];
        if (item !== null && typeof item === 'object') pending.push({ value: item, depth: node.depth + 1, parent: node, key: index });
      }
      continue;
    }
    const record = node.value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (FORBIDDEN_KEYS.has(key)) {
        const path = pathOf(node, key);
        return { kind: 'forbidden-key', path, message: `the key "${key}" is not allowed (at ${path})` };
      }
      const child = record[key];
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: node.depth + 1, parent: node, key });
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
