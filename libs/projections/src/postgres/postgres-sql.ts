import { documentPathSegments } from '../document-path';
import { checkQueryText } from '../document-text';
import type { QueryCondition } from '../read-model-store.port';

/** Positional parameters ($1, $2, …) for a statement built piece by piece, each with an explicit type. */
export class PgParams {
  readonly values: unknown[] = [];

  add(value: unknown, type: 'text' | 'text[]' | 'int' | 'numeric' | 'jsonb'): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/**
 * The jsonb at a document path, or NULL. `#>` would read a digit segment as an array
 * index; document paths name object members only (document-query.ts), so a digit
 * segment is guarded by "the value before it is an object".
 */
export function jsonbAt(path: string, literal: (segments: string[]) => string): string {
  const segments = documentPathSegments(path);
  const guards = segments
    .map((segment, index) => ({ segment, index }))
    .filter(({ segment, index }) => index > 0 && /^\d+$/.test(segment))
    .map(({ index }) => `jsonb_typeof(doc #> ${literal(segments.slice(0, index))}) = 'object'`);
  const value = `(doc #> ${literal(segments)})`;
  return guards.length === 0 ? value : `(CASE WHEN ${guards.join(' AND ')} THEN ${value} END)`;
}

/** A path as a bound parameter: how queries pass it. */
export function boundPath(params: PgParams): (segments: string[]) => string {
  return (segments) => params.add(segments, 'text[]');
}

/** A path as an SQL literal: only for index definitions, from checked segments ([A-Za-z0-9_-]). */
export function literalPath(segments: string[]): string {
  return `'{${segments.join(',')}}'::text[]`;
}

/**
 * The three-part sort key of document-query.ts (numbers, then strings, then the rest), null-free
 * so that row comparisons stay total. An index built from the same expressions with a literal
 * path serves queries that bind the path: PostgreSQL plans unnamed statements with their values.
 */
export function sortExpressions(value: string): { rank: string; num: string; text: string; sortValue: string } {
  const type = `jsonb_typeof(${value})`;
  return {
    rank: `(CASE ${type} WHEN 'number' THEN 0 WHEN 'string' THEN 1 ELSE 2 END)`,
    num: `(CASE WHEN ${type} = 'number' THEN (${value})::numeric ELSE 0 END)`,
    text: `((CASE WHEN ${type} = 'string' THEN ${value} #>> '{}' ELSE '' END) COLLATE "C")`,
    sortValue: `(CASE WHEN ${type} IN ('number', 'string') THEN ${value} END)`,
  };
}

/** Typed comparisons, as in document-query.ts: jsonb equality is typed already; ranges compare like with like. */
export function conditionSql(condition: QueryCondition, params: PgParams): string {
  const value = jsonbAt(condition.path, boundPath(params));
  if (condition.op === 'exists') return `${value} IS NOT NULL`;
  const operand = condition.value;
  if (typeof operand === 'string') checkQueryText(operand, `value for ${condition.path}`);
  if (condition.op === 'eq') return `${value} = ${params.add(JSON.stringify(operand), 'jsonb')}`;
  const op = condition.op === 'gte' ? '>=' : '<=';
  if (typeof operand === 'number') {
    return `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END) ${op} ${params.add(operand, 'numeric')}`;
  }
  return `((CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${value} #>> '{}' END) COLLATE "C") ${op} ${params.add(operand, 'text')}`;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name we quote into DDL: checked, since identifiers cannot be bound parameters. */
export function checkedSchema(schema: string): string {
  if (!SCHEMA.test(schema)) throw new Error(`not a PostgreSQL schema name Concord uses: ${JSON.stringify(schema)} (lower-case letters, digits, _)`);
  return schema;
}
