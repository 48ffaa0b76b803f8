import { hash } from 'node:crypto';

/** The log digest before the first event. */
export const LOG_DIGEST_GENESIS = '0'.repeat(64);

/**
 * The running digest of the global log in position order:
 * `D(p) = SHA-256( D(previous) ‖ "\n" ‖ p ‖ "\n" ‖ hash(p) )`, lower-case hex.
 *
 * Stream chains say nothing about the order of events of different streams, nor
 * about an event removed with its whole stream; the digest covers both, because
 * it folds every stored hash with its position. A seal signs it at one position.
 * Kept free of other imports: the verify workers and the standalone verifier's
 * description of it must stay this one line.
 */
export function nextLogDigest(previous: string, position: number, eventHash: string): string {
  return hash('sha256', `${previous}\n${position}\n${eventHash}`, 'hex');
}
