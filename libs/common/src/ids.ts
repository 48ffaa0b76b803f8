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

/** Deterministic ids from a seed (mulberry32), for tests and simulation runs. */
export class SeededIds implements IdGenerator {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(prefix?: string): string {
    const hex = [this.random(), this.random(), this.random(), this.random()]
      .map((n) => n.toString(16).padStart(8, '0'))
      .join('');
    return prefix ? `${prefix}-${hex}` : hex;
  }

  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}
