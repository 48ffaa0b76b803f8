import { segment, type Api } from './http';

/**
 * The reconciliation API (issue 4). Shapes follow its branch's controller
 * (`GET /v1/reconciliation`, `/items/:itemId`, `/:type/:id`); if they change
 * when it lands, this file is the only one to adapt.
 */
export type ReconciliationKind = 'mismatch' | 'missing' | 'duplicate' | 'unmapped';
export const RECONCILIATION_KINDS: readonly ReconciliationKind[] = ['mismatch', 'missing', 'duplicate', 'unmapped'];

export interface ReconciliationSummary {
  readonly matched: number;
  readonly pending: number;
  readonly mismatch: number;
  readonly missing: number;
  readonly duplicate: number;
  readonly unmapped?: number;
}

export interface ReconciliationItem {
  readonly id: string;
  readonly kind: ReconciliationKind;
  readonly status: 'pending' | 'open' | 'resolved';
  readonly subject: { readonly type: string; readonly id: string };
  readonly field?: string;
  readonly source?: string;
  readonly members?: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
  readonly since: string;
  readonly dueAt?: string;
  readonly openedAt?: string;
  readonly resolvedAt?: string;
  readonly evidence: readonly string[];
}

export interface ItemHistoryEntry {
  readonly change: 'started' | 'changed' | 'opened' | 'resolved';
  readonly at: string;
  readonly eventId?: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface ReconciliationPage {
  readonly summary: ReconciliationSummary;
  readonly items: readonly ReconciliationItem[];
  readonly nextCursor?: string;
  readonly rulesVersion?: string;
  readonly asOf?: string;
}

export interface ReconciliationFilter {
  readonly entity?: string;
  readonly kind?: ReconciliationKind;
  readonly status?: 'open' | 'pending' | 'resolved' | 'all';
}

export interface FieldComparison {
  readonly field: string;
  readonly verdict: 'matched' | 'pending' | 'mismatch' | 'unmapped' | 'incomplete';
  readonly values: Readonly<Record<string, { readonly present: boolean; readonly value?: unknown; readonly canonical?: unknown; readonly eventId?: string }>>;
}

export interface EntityComparison {
  readonly verdict: string;
  readonly fields: readonly FieldComparison[];
}

export function listReconciliation(api: Api, filter: ReconciliationFilter, page: { cursor?: string; limit: number }): Promise<ReconciliationPage> {
  return api.get<ReconciliationPage>('/v1/reconciliation', { ...filter, ...page });
}

/** Only the summary: one item is the smallest page. */
export async function reconciliationSummary(api: Api): Promise<ReconciliationSummary> {
  return (await api.get<ReconciliationPage>('/v1/reconciliation', { status: 'open', limit: 1 })).summary;
}

export function reconciliationItem(api: Api, itemId: string): Promise<ReconciliationItem & { history?: readonly ItemHistoryEntry[] }> {
  return api.get(`/v1/reconciliation/items/${segment(itemId)}`);
}

export function compareEntity(api: Api, type: string, id: string): Promise<EntityComparison> {
  return api.get<EntityComparison>(`/v1/reconciliation/${segment(type)}/${segment(id)}`);
}

export const reconciliationCsvPath = (filter: ReconciliationFilter) => ({ path: '/v1/reconciliation', query: { ...filter, format: 'csv' } });
