import type { EntityView } from '../../../hub/src/entities/entity-view';
import type { SourceSyncStatus } from '../../../hub/src/entities/entities.queries';
import { segment, type Api } from './http';

// The hub's own types describe these answers (type-only imports: nothing of the hub is bundled).
export type { EntityView, SourceView } from '../../../hub/src/entities/entity-view';
export type SourceSync = SourceSyncStatus;

export interface EntityPage {
  readonly items: readonly EntityView[];
  readonly nextCursor?: string;
}

/** When to look: a recorded time (ISO) or a log position; undefined is now. */
export type PointInTime = { readonly asOf: string } | { readonly atPosition: number } | undefined;

const path = (type: string, id: string) => `/v1/entities/${segment(type)}/${segment(id)}`;

export function entity(api: Api, type: string, id: string, at?: PointInTime): Promise<EntityView> {
  return api.get<EntityView>(path(type, id), at ? ('asOf' in at ? { asOf: at.asOf } : { atPosition: at.atPosition }) : {});
}

export function listEntities(api: Api, type: string, options: { cursor?: string; limit: number; field?: { path: string; value: string }; source?: string }): Promise<EntityPage> {
  return api.get<EntityPage>(`/v1/entities/${segment(type)}`, {
    limit: options.limit,
    cursor: options.cursor,
    source: options.source,
    sort: '-lastEventAt',
    ...(options.field ? { [`field.${options.field.path}`]: options.field.value } : {}),
  });
}

export async function entitySync(api: Api, type: string, id: string): Promise<SourceSync[]> {
  return (await api.get<{ sources: SourceSync[] }>(`${path(type, id)}/sync`)).sources;
}
