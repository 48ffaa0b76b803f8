import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from '../api/http';
import type { Identity } from '../api/whoami';

export interface Session {
  readonly api: Api;
  readonly identity: Identity;
  /** Forgets the key (and goes back to the login form). */
  readonly logout: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in page');
  return session;
}
