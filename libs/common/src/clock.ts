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

/**
 * The system clock shifted by an offset that only moves forward: time flows as
 * usual (timers, leases and sweeps keep working), and a demo or a test can let
 * hours pass in an instant, e.g. past a grace period or between two deliveries.
 */
export class OffsetClock implements Clock {
  private offset: number;

  constructor(
    offsetMilliseconds = 0,
    private readonly system: Clock = systemClock,
  ) {
    if (!Number.isFinite(offsetMilliseconds)) throw new RangeError(`offset must be a finite number of ms; got ${offsetMilliseconds}`);
    this.offset = offsetMilliseconds;
  }

  now(): Date {
    return new Date(this.system.now().getTime() + this.offset);
  }

  jump(milliseconds: number): Date {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new RangeError(`a clock only moves forward; got ${milliseconds} ms`);
    }
    this.offset += milliseconds;
    return this.now();
  }
}
