import type { DocumentQuery, QueryCondition } from '@concord/projections';
import { SUBJECT_TYPE } from '@concord/contracts';
import { decodeCursor, EntityListQueryError, parseLimit } from '../entities/entity-list-query';
import { ITEM_KINDS, ITEM_STATUSES, type ItemKind, type ItemStatus } from './reconciliation-model';

export class ReconciliationQueryError extends Error {
  override readonly name = 'ReconciliationQueryError';
}

const LIST_SORT = '-since';
const KNOWN = new Set(['entity', 'kind', 'status', 'limit', 'cursor', 'format']);

export interface ItemListRequest {
  readonly query: DocumentQuery;
  readonly entity?: string;
  readonly format: 'json' | 'csv';
  readonly sort: string;
}

/**
 * `?entity=order&kind=mismatch&status=open&limit=&cursor=&format=csv`. Status
 * defaults to `open` (what needs someone's attention); `status=all` lists every
 * item, cleared ones included. Newest disagreement first. Pure.
 */
export function parseItemListQuery(params: Record<string, unknown>, accept: string | undefined): ItemListRequest {
  const one = (name: string): string | undefined => {
    const raw = params[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') throw new ReconciliationQueryError(`${name} must be given once`);
    return raw;
  };
  for (const name of Object.keys(params)) if (!KNOWN.has(name)) throw new ReconciliationQueryError(`unknown parameter ${JSON.stringify(name.slice(0, 64))}; known: ${[...KNOWN].join(', ')}`);
  const where: QueryCondition[] = [];
  const entity = one('entity');
  if (entity !== undefined) {
    if (!SUBJECT_TYPE.test(entity)) throw new ReconciliationQueryError('entity must be an entity type ([a-z][a-z0-9_]{0,63})');
    where.push({ path: 'entityType', op: 'eq', value: entity });
  }
  const kind = one('kind');
  if (kind !== undefined) {
    if (!(ITEM_KINDS as readonly string[]).includes(kind)) throw new ReconciliationQueryError(`kind must be one of ${ITEM_KINDS.join(', ')}`);
    where.push({ path: 'kind', op: 'eq', value: kind as ItemKind });
  }
  const status = one('status') ?? 'open';
  if (status !== 'all') {
    if (!(ITEM_STATUSES as readonly string[]).includes(status)) throw new ReconciliationQueryError(`status must be one of ${ITEM_STATUSES.join(', ')} or all`);
    where.push({ path: 'status', op: 'eq', value: status as ItemStatus });
  }
  const format = one('format') ?? (accept?.includes('text/csv') ? 'csv' : 'json');
  if (format !== 'json' && format !== 'csv') throw new ReconciliationQueryError('format must be json or csv');
  const cursor = one('cursor');
  try {
    return {
      query: {
        where,
        orderBy: { path: 'since', direction: 'desc' },
        limit: parseLimit(one('limit')),
        ...(cursor !== undefined ? { after: decodeCursor(cursor, LIST_SORT) } : {}),
      },
      ...(entity !== undefined ? { entity } : {}),
      format,
      sort: LIST_SORT,
    };
  } catch (error) {
    if (error instanceof EntityListQueryError) throw new ReconciliationQueryError(error.message);
    throw error;
  }
}

export interface ReportWindow {
  readonly from: string;
  readonly to: string;
  readonly entity?: string;
  readonly format: 'json' | 'csv';
}

const REPORT_KNOWN = new Set(['from', 'to', 'entity', 'format']);

/** `?from=<ISO>&to=<ISO>&entity=&format=json|csv`: the items that were pending or open at some time inside the window. */
export function parseReportWindow(params: Record<string, unknown>, accept: string | undefined, now: Date): ReportWindow {
  for (const name of Object.keys(params)) if (!REPORT_KNOWN.has(name)) throw new ReconciliationQueryError(`unknown parameter ${JSON.stringify(name.slice(0, 64))}; known: ${[...REPORT_KNOWN].join(', ')}`);
  const time = (name: string, fallback: Date): string => {
    const raw = params[name];
    if (raw === undefined) return fallback.toISOString();
    if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(Date.parse(raw))) throw new ReconciliationQueryError(`${name} must be an ISO-8601 date-time`);
    return new Date(Date.parse(raw)).toISOString();
  };
  const to = time('to', now);
  const from = time('from', new Date(Date.parse(to) - 24 * 3600 * 1000));
  if (from > to) throw new ReconciliationQueryError('from must not be after to');
  const entity = params.entity;
  if (entity !== undefined && (typeof entity !== 'string' || !SUBJECT_TYPE.test(entity))) throw new ReconciliationQueryError('entity must be an entity type ([a-z][a-z0-9_]{0,63})');
  const format = params.format ?? (accept?.includes('text/csv') ? 'csv' : 'json');
  if (format !== 'json' && format !== 'csv') throw new ReconciliationQueryError('format must be json or csv');
  return { from, to, ...(typeof entity === 'string' ? { entity } : {}), format };
}
