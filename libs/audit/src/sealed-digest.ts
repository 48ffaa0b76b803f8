import type { BrokenLink } from './chain-walk';
import { LOG_DIGEST_GENESIS, nextLogDigest } from './log-digest';
import { sealSignatureProblem, type PublicKeys, type Seal } from './seal';

/** The first problem with the seals themselves (numbering, order, signatures), named by the seal's position. */
export function sealsProblem(seals: readonly Seal[], keys: PublicKeys): BrokenLink | undefined {
  let previous: Seal | undefined;
  for (const seal of seals) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    const invalid = (expected: string, found: string, message: string): BrokenLink => ({ kind: 'seal-invalid', position: seal.position, seal: seal.seq, expected, found, message });
    if (seal.seq !== expectedSeq) return invalid(`seal #${expectedSeq}`, `seal #${seal.seq}`, `the seals jump from #${expectedSeq - 1} to #${seal.seq} (a seal was removed)`);
    const signature = sealSignatureProblem(seal, keys);
    if (signature) return invalid('a valid signature', seal.signature, signature);
    if (previous && seal.position <= previous.position) {
      return invalid(`a position after ${previous.position}`, `position ${seal.position}`, `seal #${seal.seq} is at position ${seal.position}, not after seal #${previous.seq} (position ${previous.position})`);
    }
    previous = seal;
  }
  return undefined;
}

/**
 * Folds the log digest over stored hashes in position order and compares it,
 * and the event count, with every seal on the way. Pure; the first mismatch ends it.
 */
export class SealedDigestWalk {
  private digestSoFar = LOG_DIGEST_GENESIS;
  private eventCount = 0;
  private lastPosition = 0;
  private nextSeal = 0;
  private broken: BrokenLink | undefined;
  private matched: Seal | undefined;

  /** @param seals in seq order, already checked with {@link sealsProblem}. */
  constructor(private readonly seals: readonly Seal[]) {}

  get digest(): string {
    return this.digestSoFar;
  }

  get events(): number {
    return this.eventCount;
  }

  /** The last seal the log matched. */
  get lastMatched(): Seal | undefined {
    return this.matched;
  }

  get firstBreak(): BrokenLink | undefined {
    return this.broken;
  }

  /** Returns false once a seal does not match. */
  accept(position: number, hash: string): boolean {
    if (this.broken) return false;
    const pending = this.seals[this.nextSeal];
    if (pending && pending.position < position) {
      this.broken = this.mismatch(pending, `no event at position ${pending.position}`, `the log has no event at sealed position ${pending.position}`);
      return false;
    }
    this.digestSoFar = nextLogDigest(this.digestSoFar, position, hash);
    this.eventCount++;
    this.lastPosition = position;
    if (pending && pending.position === position) {
      if (pending.digest !== this.digestSoFar || pending.events !== this.eventCount) {
        this.broken = this.mismatch(
          pending,
          `digest ${this.digestSoFar} over ${this.eventCount} events`,
          `the log's digest at position ${position} is not the one seal #${pending.seq} signed`,
        );
        return false;
      }
      this.matched = pending;
      this.nextSeal++;
    }
    return true;
  }

  /** Seals beyond the last event read mean the log lost its end. */
  finish(): BrokenLink | undefined {
    const pending = this.seals[this.nextSeal];
    if (!this.broken && pending) {
      this.broken = this.mismatch(pending, `the log ends at position ${this.lastPosition}`, `seal #${pending.seq} is at position ${pending.position}, but the log ends at ${this.lastPosition}`);
    }
    return this.broken;
  }

  private mismatch(seal: Seal, found: string, what: string): BrokenLink {
    const since = this.matched ? `after seal #${this.matched.seq} (position ${this.matched.position}), which matches` : 'up to it';
    return {
      kind: 'seal-mismatch',
      position: seal.position,
      seal: seal.seq,
      expected: `digest ${seal.digest} over ${seal.events} events`,
      found,
      message: `${what}: events ${since} were changed, removed, added or reordered after they were sealed`,
    };
  }
}
