import { ManualClock, OffsetClock } from './clock';

describe('OffsetClock', () => {
  it('given an offset, reads the underlying clock shifted by it, and time keeps flowing', () => {
    const system = new ManualClock('2026-11-22T08:00:00.000Z');
    const clock = new OffsetClock(-2 * 3_600_000, system);
    expect(clock.now().toISOString()).toBe('2026-11-22T06:00:00.000Z');
    system.advance(1_500);
    expect(clock.now().toISOString()).toBe('2026-11-22T06:00:01.500Z');
  });

  it('when told to jump, moves forward by that much at once', () => {
    const system = new ManualClock('2026-11-22T08:00:00.000Z');
    const clock = new OffsetClock(0, system);
    expect(clock.jump(25 * 3_600_000).toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses to jump by %p', (ms) => {
    const clock = new OffsetClock(0, new ManualClock());
    expect(() => clock.jump(ms)).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses an offset that is not a finite number', () => {
    expect(() => new OffsetClock(Number.NaN)).toThrow(/offset must be a finite number/);
  });
});
