import type { StuckFlowsPage } from '../../../hub/src/flows/stuck-flows';
import type { Api } from './http';

/**
 * Stuck flows (`GET /v1/flows/stuck`), described by the hub's own types (type-only import:
 * nothing of the hub is bundled), so the page and the API cannot drift apart.
 */
export type { StuckFlow, StuckFlowsPage } from '../../../hub/src/flows/stuck-flows';

export function stuckFlows(api: Api, page: { cursor?: string; limit: number; rule?: string; entity?: string }): Promise<StuckFlowsPage> {
  return api.get<StuckFlowsPage>('/v1/flows/stuck', page);
}
