import { checkQueryText } from './document-text';
import type { DocumentQuery } from './read-model-store.port';

/*
 * What a DocumentQuery means, identically in every adapter (the shared contract suite pins each rule):
 *
 * - keyPrefix: keys that start with the prefix. Keys and strings compare by Unicode code point
 *   (SQLite BINARY on UTF-8, PostgreSQL COLLATE "C"), never by a locale.
 * - A path walks object members only: `lines.0` names a member "0", never an array element.
 * - eq is typed: a string matches only a JSON string, a number only a JSON number (numerically,
 *   1 = 1.0), a boolean only a JSON boolean. gte/lte compare strings with strings and numbers with
 *   numbers; a value of another type (or none) never matches.
 * - exists: the path is present, even when it holds null.
 * - orderBy a path: numbers (numeric order), then strings (code point order), then everything
 *   else (missing, null, booleans, objects, arrays) as one group; ties broken by key. `desc` is the
 *   exact reverse. `sortValue` is the number or string sorted on, null in the last group; when
 *   ordering by key it is the key.
 * - after: continue strictly after the (sortValue, key) of the last item of the previous page.
 */

/** Numbers sort first, then strings, then documents with no sortable value at the path. */
export type SortRank = 0 | 1 | 2;

export interface KeysetPosition {
  readonly rank: SortRank;
  /** The number for rank 0, else 0: a constant within the other ranks keeps row comparisons total. */
  readonly num: number;
  /** The string for rank 1, else ''. */
  readonly text: string;
  readonly key: string;
}

export function keysetPosition(after: NonNullable<DocumentQuery['after']>): KeysetPosition {
  const key = checkQueryText(after.key, 'cursor key');
  if (typeof after.value === 'number') return { rank: 0, num: after.value, text: '', key };
  if (typeof after.value === 'string') return { rank: 1, num: 0, text: checkQueryText(after.value, 'cursor value'), key };
  return { rank: 2, num: 0, text: '', key };
}

/**
 * The smallest string above every string that starts with `prefix` (code point order), or
 * undefined when there is none. A range `key >= prefix AND key < bound` is what an index on
 * key serves, and no character of the prefix is special in it (unlike LIKE).
 */
export function keyPrefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(checkQueryText(prefix, 'keyPrefix'), (c) => c.codePointAt(0)!);
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop();
  const last = points.pop();
  if (last === undefined) return undefined;
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
  return String.fromCodePoint(...points, next);
}
