import { mulberry32 } from './ids';

/**
 * Randomness as an input, like time: backoff jitter, simulated faults and
 * generated load draw from a Random, so a seed replays a run exactly.
 */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
}

export const RANDOM = Symbol('Random');

export const systemRandom: Random = { next: () => Math.random() };

/** Seeded (mulberry32): small, fast and good enough for simulation; never for secrets. */
export class SeededRandom implements Random {
  private readonly draw: () => number;

  constructor(seed: number) {
    this.draw = mulberry32(seed);
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    return this.draw();
  }

  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.int(items.length)]!;
  }
}
