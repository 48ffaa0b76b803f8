import type { StoredEvent } from '@concord/event-store';
import { segment, type Api } from './http';

export type { StoredEvent } from '@concord/event-store';

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
