import { segment, type Api } from './http';

export interface FieldError {
  /** Dotted path from the envelope root, e.g. `data.total.amount`. */
  readonly field: string;
  readonly message: string;
}

export interface ReplayAttempt {
  readonly id: string;
  readonly at: string;
  readonly by: string;
  readonly outcome: 'appended' | 'duplicate' | 'rejected';
  readonly correctedPayload?: string;
  readonly eventId?: string;
  readonly position?: number;
  readonly reason?: string;
  readonly message?: string;
}

/** `GET /v1/quarantine` items. */
export interface QuarantineEntry {
  readonly id: string;
  readonly reason: string;
  readonly message: string;
  readonly errors: readonly FieldError[];
  readonly raw: string;
  readonly source?: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly transport: { readonly kind: string };
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly attempts: number;
  readonly status: 'open' | 'resolved';
  readonly resolvedAt?: string;
  readonly replays: readonly ReplayAttempt[];
}

export interface QuarantineFilter {
  readonly status?: 'open' | 'resolved';
  readonly source?: string;
  readonly reason?: string;
  readonly since?: string;
  readonly eventId?: string;
}

export interface QuarantinePage {
  readonly items: readonly QuarantineEntry[];
  readonly nextCursor?: string;
}

export interface ReplayReport {
  readonly quarantineId: string;
  readonly status: 'open' | 'resolved';
  readonly attempt: ReplayAttempt;
}

export interface BulkReplay {
  readonly summary: { readonly replayed: number; readonly resolved: number; readonly stillRejected: number };
  readonly results: readonly ReplayReport[];
}

export function listQuarantine(api: Api, filter: QuarantineFilter, page: { cursor?: string; limit: number }): Promise<QuarantinePage> {
  return api.get<QuarantinePage>('/v1/quarantine', { ...filter, ...page });
}

export const quarantineEntry = (api: Api, id: string) => api.get<QuarantineEntry>(`/v1/quarantine/${segment(id)}`);

/** Re-runs one entry through validation, or stores `payload` (an admin's correction) instead of the kept input. */
export function replayOne(api: Api, id: string, payload?: Record<string, unknown>): Promise<ReplayReport> {
  return api.post<ReplayReport>(`/v1/quarantine/${segment(id)}/replay`, payload ? { payload } : {});
}

export const replaySelected = (api: Api, ids: readonly string[]) => api.post<BulkReplay>('/v1/quarantine/replay', { ids });
