import { checkQueryText } from './document-text';
import type { DocumentQuery, QueryCondition } from './read-model-store.port';

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

/** What differs between SQL dialects; the shape of a document query (`documentQuerySql`) does not. */
export interface DocumentQueryDialect {
  /** Binds a value and returns its placeholder. */
  param(value: string | number, type: 'text' | 'int' | 'numeric'): string;
  /** A typed condition on a path (see above). */
  condition(condition: QueryCondition): string;
  /** The sort triple for a path, each part null-free, and the value reported as `sortValue`. */
  sortKey(path: string): { readonly rank: string; readonly num: string; readonly text: string; readonly sortValue: string };
}

/**
 * One page of a document query as SQL over `table (collection, key, doc)`: selects key, doc and
 * sort_value, one row more than the limit (to tell whether there is more).
 */
export function documentQuerySql(table: string, collection: string, query: DocumentQuery, dialect: DocumentQueryDialect): string {
  const where = [`collection = ${dialect.param(collection, 'text')}`];
  if (query.keyPrefix) {
    where.push(`key >= ${dialect.param(checkQueryText(query.keyPrefix, 'keyPrefix'), 'text')}`);
    const upper = keyPrefixUpperBound(query.keyPrefix);
    if (upper !== undefined) where.push(`key < ${dialect.param(upper, 'text')}`);
  }
  for (const condition of query.where ?? []) where.push(dialect.condition(condition));

  const order = query.orderBy ?? { path: '', direction: 'asc' as const };
  const dir = order.direction === 'desc' ? 'DESC' : 'ASC';
  const cmp = order.direction === 'desc' ? '<' : '>';
  let sortValue = 'key';
  let orderBy = `key ${dir}`;
  if (order.path !== '') {
    const sort = dialect.sortKey(order.path);
    sortValue = sort.sortValue;
    orderBy = `${sort.rank} ${dir}, ${sort.num} ${dir}, ${sort.text} ${dir}, key ${dir}`;
    if (query.after) {
      const at = keysetPosition(query.after);
      const cursor = [dialect.param(at.rank, 'int'), dialect.param(at.num, 'numeric'), dialect.param(at.text, 'text'), dialect.param(at.key, 'text')];
      where.push(`(${sort.rank}, ${sort.num}, ${sort.text}, key) ${cmp} (${cursor.join(', ')})`);
    }
  } else if (query.after) {
    where.push(`key ${cmp} ${dialect.param(checkQueryText(query.after.key, 'cursor key'), 'text')}`);
  }
  return `SELECT key, doc, ${sortValue} AS sort_value FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ${dialect.param(query.limit + 1, 'int')}`;
}
