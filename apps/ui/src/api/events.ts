import { segment, type Api } from './http';
import type { StoredEvent } from './streams';

/** `GET /v1/events/:id`: one stored event and how often it was delivered. */
export interface EventDetails {
  readonly event: StoredEvent;
  readonly receivedCount: number;
}

export const storedEvent = (api: Api, id: string) => api.get<EventDetails>(`/v1/events/${segment(id)}`);
