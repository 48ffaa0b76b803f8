import type { DocumentQuery, QueryCondition } from '@concord/projections';
import { MAX_PAGE_LIMIT } from '../http/query-params';

export type EntitySort = 'id' | 'lastEventAt' | '-lastEventAt';

export interface EntityListRequest {
  readonly query: DocumentQuery;
  readonly format: 'json' | 'csv';
  readonly sort: EntitySort;
}

export class EntityListQueryError extends Error {
  override readonly name = 'EntityListQueryError';
}

const FIELD_PATH = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;
const SOURCE = /^[a-z0-9-]{1,64}$/;
const KNOWN = new Set(['source', 'updatedSince', 'limit', 'cursor', 'sort', 'format']);

/**
 * Turns `?source=erp&field.status=done&updatedSince=…&limit=&cursor=&sort=` into
 * a document query. Pure; every refusal names the parameter.
 */
export function parseEntityListQuery(type: string, params: Record<string, unknown>, accept: string | undefined): EntityListRequest {
  const where: QueryCondition[] = [];
  for (const [name, raw] of Object.entries(params)) {
    if (typeof raw !== 'string') throw new EntityListQueryError(`${name} must be given once`);
    if (name.startsWith('field.')) {
      const path = name.slice('field.'.length);
      if (!FIELD_PATH.test(path)) throw new EntityListQueryError(`${name} is not a field path (letters, digits, _ and -, dot-separated)`);
      where.push({ path: `state.${path}`, op: 'eq', value: raw });
    } else if (!KNOWN.has(name)) {
      throw new EntityListQueryError(`unknown parameter ${name}; use source, field.<path>, updatedSince, sort, limit, cursor or format`);
    }
  }
  const source = params.source as string | undefined;
  if (source !== undefined) {
    if (!SOURCE.test(source)) throw new EntityListQueryError('source must match [a-z0-9-]{1,64}');
    where.push({ path: `sources.${source}`, op: 'exists' });
  }
  const updatedSince = params.updatedSince as string | undefined;
  if (updatedSince !== undefined) {
    const time = Date.parse(updatedSince);
    if (!/^\d{4}-\d{2}-\d{2}/.test(updatedSince) || Number.isNaN(time)) throw new EntityListQueryError('updatedSince must be an ISO-8601 date-time');
    where.push({ path: 'lastEventAt', op: 'gte', value: new Date(time).toISOString() });
  }
  const limit = parseLimit(params.limit as string | undefined);
  const sort = (params.sort as string | undefined) ?? 'id';
  if (sort !== 'id' && sort !== 'lastEventAt' && sort !== '-lastEventAt') {
    throw new EntityListQueryError('sort must be id, lastEventAt or -lastEventAt');
  }
  const format = params.format === 'csv' || (params.format === undefined && accept?.includes('text/csv')) ? 'csv' : 'json';
  if (params.format !== undefined && params.format !== 'csv' && params.format !== 'json') throw new EntityListQueryError('format must be json or csv');
  const cursor = params.cursor as string | undefined;
  return {
    format,
    sort,
    query: {
      keyPrefix: `${type}/`,
      where,
      orderBy: sort === 'id' ? { path: '', direction: 'asc' } : { path: 'lastEventAt', direction: sort.startsWith('-') ? 'desc' : 'asc' },
      limit,
      ...(cursor !== undefined ? { after: decodeCursor(cursor, sort) } : {}),
    },
  };
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 100;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE_LIMIT) {
    throw new EntityListQueryError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return Number(raw);
}

/** Cursors carry the sort they were made for: reusing one with another sort would skip or repeat rows. */
export function encodeCursor(sort: string, value: string | number | null, key: string): string {
  return Buffer.from(JSON.stringify([sort, value, key])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: string): { value: string | number | null; key: string } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded.length === 3 && decoded[0] === sort && typeof decoded[2] === 'string') {
      const value = decoded[1] as unknown;
      if (value === null || typeof value === 'string' || typeof value === 'number') return { value, key: decoded[2] };
    }
  } catch {
    // fall through to the refusal
  }
  throw new EntityListQueryError('cursor is not one this API returned for this sort');
}
