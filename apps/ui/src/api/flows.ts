import type { Api } from './http';

/**
 * Stuck flows (issue 7), `GET /v1/flows/stuck` (apps/hub/src/flows/stuck-flows.ts
 * has the full answer: also status, recorded, expected, unmatched, problem).
 */
export interface SeenEvent {
  readonly eventId: string;
  readonly type?: string;
  readonly source?: string;
  readonly at?: string;
}

export interface StuckFlow {
  readonly id: string;
  readonly rule: string;
  readonly description?: string;
  readonly entity: { readonly type: string; readonly id: string };
  readonly expectedBy: string;
  readonly overdueForSeconds: number;
  readonly overdueFor?: string;
  readonly startedBy?: SeenEvent;
  readonly lastEvent?: SeenEvent;
}

export interface StuckFlowsPage {
  readonly items: readonly StuckFlow[];
  readonly nextCursor?: string;
}

export function stuckFlows(api: Api, page: { cursor?: string; limit: number; rule?: string; entity?: string }): Promise<StuckFlowsPage> {
  return api.get<StuckFlowsPage>('/v1/flows/stuck', page);
}
