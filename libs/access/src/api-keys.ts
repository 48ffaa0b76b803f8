import { createHash, randomBytes } from 'node:crypto';
import { randomIds, systemClock, type Clock, type IdGenerator } from '@concord/common';
import { HUB_SOURCE, SOURCE_NAME } from '@concord/contracts';
import { KeyHashTakenError, type ApiKeyRecord, type ApiKeyStore } from './api-key-store.port';
import { isRole, ROLES, type Role } from './roles';

/** Who is calling: the key's id and grants, never the key. */
export interface Principal {
  readonly keyId: string;
  readonly role: Role;
  readonly sources: readonly string[];
  readonly name?: string;
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly problem: 'unknown-key' | 'revoked-key' };

export interface KeyRequest {
  readonly role: string;
  readonly sources?: readonly string[];
  readonly name?: string;
}

export class InvalidKeyRequestError extends Error {
  override readonly name = 'InvalidKeyRequestError';
}

/** Bootstrap keys are chosen by people; a short one would be guessable. */
export const MIN_BOOTSTRAP_KEY_LENGTH = 24;
const MAX_KEY_LENGTH = 256;
const KEY_PREFIX = 'concord_';
const NAME = /^[^\u0000-\u001f\u007f]{1,100}$/;

/** Keys are 256 random bits, so one unsalted SHA-256 is enough: there is nothing to guess. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export type BootstrapOutcome = 'created' | 'admin-exists' | 'value-was-revoked';

/** Creating, listing, revoking and checking API keys; shared by the HTTP API, the CLI and start-up. */
export class ApiKeys {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock = systemClock,
    private readonly ids: IdGenerator = randomIds,
    /** Key material is secret, so it comes from the OS CSPRNG, not from the (seedable) IdGenerator. */
    private readonly secret: () => string = () => randomBytes(32).toString('base64url'),
  ) {}

  /** Returns the key itself exactly once; only its hash is kept. */
  async create(request: KeyRequest): Promise<{ key: string; record: ApiKeyRecord }> {
    const grant = checkKeyRequest(request);
    const key = `${KEY_PREFIX}${this.secret()}`;
    const record = await this.store.insert({
      id: this.ids.next('key'),
      keyHash: hashKey(key),
      ...grant,
      createdAt: this.clock.now().toISOString(),
    });
    return { key, record };
  }

  /**
   * Makes `value` an admin key when no active admin key exists. A value that
   * was revoked stays revoked: a leaked bootstrap key must not come back to
   * life because the variable is still set somewhere.
   */
  async bootstrapAdmin(value: string): Promise<BootstrapOutcome> {
    if (value.length < MIN_BOOTSTRAP_KEY_LENGTH || value.length > MAX_KEY_LENGTH) {
      throw new InvalidKeyRequestError(`a bootstrap key must be ${MIN_BOOTSTRAP_KEY_LENGTH}..${MAX_KEY_LENGTH} characters`);
    }
    if ((await this.store.countActive('admin')) > 0) return 'admin-exists';
    try {
      await this.store.insert({
        id: this.ids.next('key'),
        keyHash: hashKey(value),
        name: 'bootstrap admin (CONCORD_BOOTSTRAP_ADMIN_KEY)',
        role: 'admin',
        sources: [],
        createdAt: this.clock.now().toISOString(),
      });
    } catch (error) {
      if (error instanceof KeyHashTakenError) return 'value-was-revoked';
      throw error;
    }
    return 'created';
  }

  async authenticate(key: string): Promise<Authentication> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return { ok: false, problem: 'unknown-key' };
    const record = await this.store.findByHash(hashKey(key));
    if (!record) return { ok: false, problem: 'unknown-key' };
    if (record.revokedAt) return { ok: false, problem: 'revoked-key' };
    return {
      ok: true,
      principal: { keyId: record.id, role: record.role, sources: record.sources, ...(record.name ? { name: record.name } : {}) },
    };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.store.get(id);
  }

  revoke(id: string): Promise<ApiKeyRecord | undefined> {
    return this.store.revoke(id, this.clock.now().toISOString());
  }
}

function checkKeyRequest(request: KeyRequest): { role: Role; sources: string[]; name?: string } {
  const { role, name } = request;
  const sources = [...new Set(request.sources ?? [])];
  if (!isRole(role)) throw new InvalidKeyRequestError(`role must be one of ${ROLES.join(', ')}`);
  if (name !== undefined && !NAME.test(name)) throw new InvalidKeyRequestError('name must be 1..100 characters without control characters');
  const badSource = sources.find((source) => !SOURCE_NAME.test(source));
  if (badSource !== undefined) throw new InvalidKeyRequestError(`source ${JSON.stringify(badSource)} must match [a-z0-9-]{1,64}`);
  if (sources.includes(HUB_SOURCE)) throw new InvalidKeyRequestError(`source ${HUB_SOURCE} is reserved for the hub's own records`);
  if (role === 'connector' && sources.length === 0) throw new InvalidKeyRequestError('a connector key needs at least one source');
  if (role !== 'connector' && sources.length > 0) throw new InvalidKeyRequestError('only connector keys are limited to sources');
  if (sources.length > 100) throw new InvalidKeyRequestError('a key may name at most 100 sources');
  return { role, sources, ...(name !== undefined ? { name } : {}) };
}

/** True when this principal may publish events reported by `source`. */
export function mayPublish(principal: Principal, source: string): boolean {
  if (principal.role === 'admin') return true;
  return principal.role === 'connector' && principal.sources.includes(source);
}
