import type { Role } from '../logic/permissions';
import type { Api } from './http';

/** `GET /v1/whoami`: who the pasted key is. */
export interface Identity {
  readonly keyId: string;
  readonly role: Role;
  readonly sources: readonly string[];
  readonly name?: string;
}

export const whoami = (api: Api): Promise<Identity> => api.get<Identity>('/v1/whoami');
