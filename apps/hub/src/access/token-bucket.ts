/** `rate` tokens per second, at most `burst` saved up. */
export interface BucketPolicy {
  readonly rate: number;
  readonly burst: number;
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** Parses `<rate>:<burst>` or `off` (no limit). */
export function parseBucketPolicy(text: string): BucketPolicy | undefined {
  if (text === 'off') return undefined;
  const [rate, burst] = text.split(':').map(Number) as [number, number];
  if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`a rate limit needs a positive rate and a burst of at least 1, got ${text}`);
  return { rate, burst };
}

/**
 * Token buckets keyed by caller. Pure: time is passed in, so tests drive it.
 * Memory is bounded by the number of distinct keys, which the caller keeps
 * bounded (API key ids and configured webhook sources, never client input).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  take(key: string, policy: BucketPolicy, nowMs: number): TakeResult {
    const bucket = this.buckets.get(key) ?? { tokens: policy.burst, at: nowMs };
    const elapsedSeconds = Math.max(0, nowMs - bucket.at) / 1000;
    bucket.tokens = Math.min(policy.burst, bucket.tokens + elapsedSeconds * policy.rate);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / policy.rate)) };
  }
}
