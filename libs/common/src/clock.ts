/**
 * Time is an input. Everything that needs "now" receives a Clock, so tests and
 * simulations can drive time explicitly instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('Clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and deterministic simulation. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): Date {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new RangeError(`a clock only moves forward; got ${milliseconds} ms`);
    }
    this.current += milliseconds;
    return this.now();
  }

  set(to: Date | string): void {
    const next = new Date(to).getTime();
    if (next < this.current) throw new RangeError('a clock only moves forward');
    this.current = next;
  }
}
