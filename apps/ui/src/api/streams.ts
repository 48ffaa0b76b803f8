import { segment, type Api } from './http';

/** A stored event as `GET /v1/streams/:stream` returns it. */
export interface StoredEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly schemaVersion?: number;
  readonly subject: { readonly type: string; readonly id: string };
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly sourceSequence?: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: { readonly type: string; readonly id: string };
  readonly data: Record<string, unknown>;
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly transport: { readonly kind: string; readonly requestId?: string; readonly credential?: string; readonly topic?: string; readonly partition?: number; readonly offset?: string; readonly quarantineId?: string; readonly webhookId?: string };
}

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
