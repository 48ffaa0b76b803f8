import { parseBucketPolicy, TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  const policy = { rate: 2, burst: 3 };

  it('given a full bucket, when the burst is spent, then the next take is refused with the seconds until a token is back', () => {
    const buckets = new TokenBuckets();
    expect([1, 2, 3].map(() => buckets.take('k', policy, 0).ok)).toEqual([true, true, true]);
    expect(buckets.take('k', policy, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills at the rate and never beyond the burst', () => {
    const buckets = new TokenBuckets();
    for (let i = 0; i < 3; i++) buckets.take('k', policy, 0);
    expect(buckets.take('k', policy, 499).ok).toBe(false);
    expect(buckets.take('k', policy, 500).ok).toBe(true);
    const later = 60_000;
    expect([1, 2, 3, 4].map(() => buckets.take('k', policy, later).ok)).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key', () => {
    const buckets = new TokenBuckets();
    for (let i = 0; i < 3; i++) buckets.take('a', policy, 0);
    expect(buckets.take('a', policy, 0).ok).toBe(false);
    expect(buckets.take('b', policy, 0).ok).toBe(true);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const buckets = new TokenBuckets();
    const slow = { rate: 0.1, burst: 1 };
    buckets.take('k', slow, 0);
    expect(buckets.take('k', slow, 1000)).toEqual({ ok: false, retryAfterSeconds: 9 });
  });

  it('parses policies', () => {
    expect(parseBucketPolicy('off')).toBeUndefined();
    expect(parseBucketPolicy('100:200')).toEqual({ rate: 100, burst: 200 });
    expect(parseBucketPolicy('0.5:1')).toEqual({ rate: 0.5, burst: 1 });
    expect(() => parseBucketPolicy('0:1')).toThrow(RangeError);
  });
});
