import type { QuarantineEntry } from '@concord/quarantine';
import type { ReplayReport } from '../../../hub/src/quarantine/quarantine-replayer';
import { segment, type Api } from './http';

// The hub's own types describe these answers (type-only imports: nothing of the hub is bundled).
export type { QuarantineEntry, ReplayAttempt } from '@concord/quarantine';
export type { ReplayReport } from '../../../hub/src/quarantine/quarantine-replayer';

/** The listing's filters as the dashboard offers them (status absent: every status). */
export interface QuarantineFilter {
  readonly status?: 'open' | 'resolved';
  readonly source?: string;
  readonly reason?: string;
  readonly since?: string;
}

export interface QuarantinePage {
  readonly items: readonly QuarantineEntry[];
  readonly nextCursor?: string;
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
