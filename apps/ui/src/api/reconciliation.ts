import { segment, type Api } from './http';

/**
 * The reconciliation API (issue 4, apps/hub/src/reconciliation): `GET /v1/reconciliation`,
 * `/items/:itemId`, `/:type/:id`. `unmapped` is not a kind: it is the reason of a mismatch
 * whose value no mapping knows.
 */
export type ReconciliationKind = 'mismatch' | 'missing' | 'duplicate';
export const RECONCILIATION_KINDS: readonly ReconciliationKind[] = ['mismatch', 'missing', 'duplicate'];
export type ReconciliationStatus = 'pending' | 'open' | 'resolved' | 'cleared';

export interface ReconciliationSummary {
  readonly entities: number;
  readonly matched: number;
  readonly pending: number;
  readonly mismatch: number;
  readonly missing: number;
  readonly duplicate: number;
}

export interface ReconciliationItem {
  readonly id: string;
  readonly kind: ReconciliationKind;
  readonly status: ReconciliationStatus;
  readonly entityType: string;
  /** mismatch and missing; a duplicate names its source and entity ids (in `values`) instead. */
  readonly subject?: { readonly type: string; readonly id: string };
  readonly field?: string;
  readonly source?: string;
  readonly reason?: 'differs' | 'unmapped' | 'missing' | 'duplicate';
  readonly values: Readonly<Record<string, unknown>>;
  readonly canonical?: Readonly<Record<string, unknown>>;
  readonly unmapped?: readonly string[];
  readonly episode: number;
  readonly since: string;
  readonly dueAt: string;
  readonly openedAt?: string;
  readonly resolvedAt?: string;
  readonly evidence: readonly string[];
  readonly rulesVersion: string;
}

export interface ItemHistoryEntry {
  readonly change: 'disagreed' | 'changed' | 'opened' | 'resolved' | 'cleared' | 'announced';
  readonly episode: number;
  readonly at: string;
  readonly eventId: string;
  readonly position: number;
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface ReconciliationPage {
  readonly summary: ReconciliationSummary;
  readonly items: readonly ReconciliationItem[];
  readonly nextCursor?: string;
  readonly rulesVersion: string;
}

export interface ReconciliationFilter {
  readonly entity?: string;
  readonly kind?: ReconciliationKind;
  readonly status?: ReconciliationStatus | 'all';
}

export interface SourceValue {
  readonly present: boolean;
  readonly value?: unknown;
  readonly canonical?: unknown;
  readonly eventId?: string;
}

export interface FieldComparison {
  readonly field: string;
  readonly verdict: 'match' | 'mismatch' | 'unmapped' | 'incomplete';
  readonly values: Readonly<Record<string, SourceValue>>;
  readonly tolerance?: number;
}

export interface EntityComparison {
  readonly subject: { readonly type: string; readonly id: string };
  readonly rulesVersion: string;
  readonly verdict: 'matched' | 'pending' | 'disagreeing';
  readonly fields: readonly FieldComparison[];
  readonly items: readonly ReconciliationItem[];
}

export function listReconciliation(api: Api, filter: ReconciliationFilter, page: { cursor?: string; limit: number }): Promise<ReconciliationPage> {
  return api.get<ReconciliationPage>('/v1/reconciliation', { ...filter, ...page });
}

/** Only the summary: one item is the smallest page. */
export async function reconciliationSummary(api: Api): Promise<ReconciliationSummary> {
  return (await api.get<ReconciliationPage>('/v1/reconciliation', { status: 'open', limit: 1 })).summary;
}

export function reconciliationItem(api: Api, itemId: string): Promise<ReconciliationItem & { history: readonly ItemHistoryEntry[] }> {
  return api.get(`/v1/reconciliation/items/${segment(itemId)}`);
}

export function compareEntity(api: Api, type: string, id: string): Promise<EntityComparison> {
  return api.get<EntityComparison>(`/v1/reconciliation/${segment(type)}/${segment(id)}`);
}

/** What an item is about, in a few words: the entity, or for a duplicate the type and the system holding it twice. */
export function itemLabel(item: Pick<ReconciliationItem, 'subject' | 'entityType' | 'source'>): string {
  return item.subject ? `${item.subject.type} ${item.subject.id}` : `${item.entityType} twice in ${item.source ?? '?'}`;
}

export const reconciliationCsvPath = (filter: ReconciliationFilter) => ({ path: '/v1/reconciliation', query: { ...filter, format: 'csv' } });
