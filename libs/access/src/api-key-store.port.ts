import type { Role } from './roles';

/** A key as the hub remembers it: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name?: string;
  readonly role: Role;
  /** For connectors: the `source` values this key may publish. Empty for other roles. */
  readonly sources: readonly string[];
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export interface NewApiKeyRecord extends Omit<ApiKeyRecord, 'revokedAt'> {
  /** Hex SHA-256 of the key. */
  readonly keyHash: string;
}

export class KeyHashTakenError extends Error {
  override readonly name = 'KeyHashTakenError';
}

/** Where API keys live. Keys are looked up by hash on every request, so a revocation takes effect at once. */
export interface ApiKeyStore {
  /** Rejects with KeyHashTakenError when a key (active or revoked) with the same hash exists. */
  insert(record: NewApiKeyRecord): Promise<ApiKeyRecord>;
  /** Also returns revoked keys, so callers can say "revoked" rather than "unknown". */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked (once; a second call keeps the first time). Undefined when no such key. */
  revoke(id: string, at: string): Promise<ApiKeyRecord | undefined>;
  countActive(role: Role): Promise<number>;
  close(): Promise<void>;
}

export const API_KEY_STORE = Symbol('ApiKeyStore');
