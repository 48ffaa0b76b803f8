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

/**
 * Walks a parsed JSON document iteratively (no recursion, so a 10,000-deep
 * document cannot exhaust the stack) and reports the first unsafe spot.
 */
export function findJsonShapeProblem(document: unknown, maxDepth = MAX_JSON_DEPTH): JsonShapeProblem | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: document, path: '', depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) {
      return { kind: 'too-deep', path: path || '(root)', message: `document nests deeper than ${maxDepth} levels at ${path || '(root)'}` };
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) {
        return { kind: 'forbidden-key', path: childPath, message: `the key "${key}" is not allowed (at ${childPath})` };
      }
      pending.push({ value: (value as Record<string, unknown>)[key], path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}
