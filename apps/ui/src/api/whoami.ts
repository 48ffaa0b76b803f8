import type { Principal } from '@concord/access';
import type { Api } from './http';

/** `GET /v1/whoami`: who the pasted key is (the hub's `Principal`). */
export type Identity = Principal;

export const whoami = (api: Api): Promise<Identity> => api.get<Identity>('/v1/whoami');
