import fc from 'fast-check';
import { SeededRandom } from '@concord/common';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs } from './backoff';

const now = new Date('2026-11-21T10:00:00.000Z');
const fixed = (value: number) => ({ next: () => value });

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to the injected clock; a date in the past means now', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it.each([[undefined], [null], [''], ['-1'], ['1.5'], ['soon'], ['2026-11-21T10:00:05Z'], ['Sat, 99 Nov 2026 10:00:05 GMT']])(
    'ignores %p, so the caller falls back to its own backoff',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});

describe('retryDelayMs', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

  it('doubles the ceiling per retry up to the maximum (full jitter: a fraction of it)', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(policy, retry, fixed(0.5)))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(retryDelayMs(policy, 3, fixed(0))).toBe(0);
    expect(retryDelayMs(policy, 3, fixed(0.999999))).toBe(399);
  });

  it('never waits less than Retry-After, nor more than its cap', () => {
    expect(retryDelayMs(policy, 1, fixed(0.5), 2000)).toBe(2000);
    expect(retryDelayMs(policy, 1, fixed(0.5), 60_000)).toBe(5000);
    expect(retryDelayMs(policy, 6, fixed(0.99), 0)).toBe(990);
  });

  it('stays within [floor, ceiling) for any retry, draw and Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer(), fc.option(fc.nat(100_000), { nil: undefined }), (retry, seed, retryAfter) => {
        const delay = retryDelayMs(policy, retry, new SeededRandom(seed), retryAfter);
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
        const floor = retryAfter === undefined ? 0 : Math.min(retryAfter, policy.maxRetryAfterMs);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(floor);
        expect(delay).toBeLessThan(Math.max(ceiling, floor + 1));
      }),
    );
  });

  it('gives the same delays for the same seed', () => {
    const draw = (seed: number) => [1, 2, 3, 4].map((retry) => retryDelayMs(policy, retry, new SeededRandom(seed)));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });
});
