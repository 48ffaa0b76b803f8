import { randomUUID } from 'node:crypto';

/**
 * Randomness is an input too: identifiers the hub invents (quarantine entries,
 * request ids) come from an IdGenerator so simulations can be replayed from a seed.
 */
export interface IdGenerator {
  next(prefix?: string): string;
}

export const ID_GENERATOR = Symbol('IdGenerator');

export const randomIds: IdGenerator = {
  next: (prefix) => (prefix ? `${prefix}-${randomUUID()}` : randomUUID()),
};

/** A seeded PRNG (mulberry32) giving unsigned 32-bit integers: the same seed, the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Deterministic ids from a seed (mulberry32), for tests and simulation runs. */
export class SeededIds implements IdGenerator {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  next(prefix?: string): string {
    const hex = [this.random(), this.random(), this.random(), this.random()]
      .map((n) => n.toString(16).padStart(8, '0'))
      .join('');
    return prefix ? `${prefix}-${hex}` : hex;
  }
}
