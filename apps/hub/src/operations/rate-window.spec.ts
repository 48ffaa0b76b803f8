import { RateWindow } from './rate-window';

describe('RateWindow', () => {
  it('given counts in the last minutes, then it averages per minute over the asked window only', () => {
    const window = new RateWindow(15);
    const t0 = 1_000 * 60_000;
    window.add(t0, 10);
    window.add(t0 + 60_000, 20);
    window.add(t0 + 2 * 60_000 + 5_000, 30);
    expect(window.perMinute(t0 + 2 * 60_000 + 10_000, 1)).toBe(30);
    expect(window.perMinute(t0 + 2 * 60_000 + 10_000, 5)).toBe(12);
  });

  it('forgets slots older than its length', () => {
    const window = new RateWindow(2);
    window.add(0, 100);
    window.add(10 * 60_000, 1);
    expect(window.perMinute(10 * 60_000, 60)).toBeCloseTo(1 / 60);
  });
});
