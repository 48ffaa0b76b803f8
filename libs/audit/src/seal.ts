import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * A seal: the hub's Ed25519 signature over the log digest at one position.
 * Whoever holds the public key can check, without trusting the hub, that the
 * log up to that position is exactly what it was when sealed.
 */
export interface Seal {
  /** 1, 2, 3… without gaps: a removed seal shows. */
  readonly seq: number;
  readonly position: number;
  /** Events in the log up to and including `position` (positions of some stores are not consecutive). */
  readonly events: number;
  /** The log digest at `position` (see log-digest.ts). */
  readonly digest: string;
  readonly sealedAt: string;
  /** `ed25519:` + the first 16 hex digits of SHA-256 of the raw public key. */
  readonly keyId: string;
  /** Base64 Ed25519 signature over {@link sealedText}. */
  readonly signature: string;
}

export type UnsignedSeal = Omit<Seal, 'signature'>;

/**
 * The exact bytes a seal signs: its fields as canonical JSON (keys sorted, no
 * whitespace) under a format tag, so a signature cannot be replayed as anything else.
 * tools/verify-bundle.mjs writes the same text.
 */
export function sealedText(seal: UnsignedSeal): string {
  return JSON.stringify({
    digest: seal.digest,
    events: seal.events,
    format: 'concord-seal/1',
    keyId: seal.keyId,
    position: seal.position,
    sealedAt: seal.sealedAt,
    seq: seal.seq,
  });
}

export interface SealKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' });
  // The last 32 bytes of an Ed25519 SPKI are the raw public key.
  return `ed25519:${createHash('sha256').update(raw.subarray(raw.length - 32)).digest('hex').slice(0, 16)}`;
}

export function sealKeyFromPem(privatePem: string): SealKey {
  const privateKey = createPrivateKey(privatePem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the seal key must be an Ed25519 key, found ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function publicKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 public key, found ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export function signSeal(key: SealKey, seal: Omit<UnsignedSeal, 'keyId'>): Seal {
  const unsigned: UnsignedSeal = { ...seal, keyId: key.keyId };
  return { ...unsigned, signature: sign(null, Buffer.from(sealedText(unsigned)), key.privateKey).toString('base64') };
}

/** Public keys by key id: the seals' own `keyId` picks one, and a seal naming an unknown key does not verify. */
export type PublicKeys = ReadonlyMap<string, KeyObject>;

export function publicKeysOf(keys: readonly KeyObject[]): PublicKeys {
  return new Map(keys.map((key) => [keyIdOf(key), key]));
}

/** Why a seal's signature does not hold, or undefined when it does. */
export function sealSignatureProblem(seal: Seal, keys: PublicKeys): string | undefined {
  const key = keys.get(seal.keyId);
  if (!key) return `seal #${seal.seq} is signed with key ${seal.keyId}, which is not among the trusted public keys (${[...keys.keys()].join(', ') || 'none'})`;
  const valid = verify(null, Buffer.from(sealedText(seal)), key, Buffer.from(seal.signature, 'base64'));
  return valid ? undefined : `seal #${seal.seq} (position ${seal.position}): the signature does not match its content under key ${seal.keyId}`;
}
