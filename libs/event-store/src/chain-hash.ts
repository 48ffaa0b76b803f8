import { createHash } from 'node:crypto';

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
  return createHash('sha256').update(`${prevHash}\n${text.before}${revision}${text.after}`).digest('hex');
}
