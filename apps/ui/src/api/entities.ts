import { segment, type Api } from './http';

/** One source's own view of an entity (`GET /v1/entities/:type/:id`). */
export interface SourceView {
  readonly state: Record<string, unknown>;
  readonly lastEventId: string;
  readonly lastSeenAt: string;
  readonly lastOccurredAt: string;
  readonly lastPosition: number;
  readonly sourceSequence?: number;
  readonly events: number;
  readonly staleEvents: number;
}

export interface EntityView {
  readonly subject: { readonly type: string; readonly id: string };
  readonly version: number;
  readonly lastEventAt: string;
  readonly lastPosition: number;
  readonly state: Record<string, unknown>;
  readonly sources: Readonly<Record<string, SourceView>>;
}

export interface EntityPage {
  readonly items: readonly EntityView[];
  readonly nextCursor?: string;
}

export interface SourceSync {
  readonly source: string;
  readonly lastReportedAt: string;
  readonly lastOccurredAt: string;
  readonly lastEventId: string;
  readonly events: number;
  readonly staleEvents: number;
  readonly quarantined: number;
  readonly quarantineIds: readonly string[];
}

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

/** The CSV export of a listing, as a link the browser can download with the key (fetched, then saved). */
export const entitiesCsvPath = (type: string) => `/v1/entities/${segment(type)}?format=csv`;
