import type { StoredEvent } from '@concord/event-store';
import { segment, type Api } from './http';

export type { StoredEvent } from '@concord/event-store';

/**
 * The source of the events the hub appends itself (quarantine replay records, integration events): the
 * entity view ignores them. The same value as `HUB_SOURCE` in libs/contracts, which the bundle cannot import.
 */
export const HUB_SOURCE = 'concord';

/** `GET /v1/streams/:stream`. */
export interface StreamPage {
  readonly stream: string;
  readonly events: readonly StoredEvent[];
  readonly nextRevision?: number;
}

/** The stream of an entity is `<type>-<id>` (see `streamNameOf` in libs/contracts). */
export const entityStream = (type: string, id: string) => `${type}-${id}`;

export function stream(api: Api, name: string, fromRevision: number, limit: number): Promise<StreamPage> {
  return api.get<StreamPage>(`/v1/streams/${segment(name)}`, { fromRevision, limit });
}
