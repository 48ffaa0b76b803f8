import { hash as oneShotHash } from 'node:crypto';

/** The predecessor hash of every stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical serialization of an event's hashed fields, cut where the
 * revision goes: `before + revision + after` is exactly
 * `canonicalJson(chainedFieldsOf(event))` (see chain.ts). The writer assigns
 * revisions, so everything else can be serialized before the write transaction.
 */
export interface HashedText {
  readonly before: string;
  readonly after: string;
}

/** hash = SHA-256( prevHash ‖ "\n" ‖ before ‖ revision ‖ after ), lower-case hex. Kept free of other imports: the writer thread loads it. */
export function hashWithRevision(prevHash: string, text: HashedText, revision: number): string {
  return sha256Hex(`${prevHash}\n${text.before}${revision}${text.after}`);
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes (the one-shot API: half the cost of createHash for short texts). */
export function sha256Hex(text: string): string {
  return oneShotHash('sha256', text, 'hex');
}
