import type { Random } from '@concord/common';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The ceiling of the first retry's delay; it doubles per retry up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is cut to it, so a wrong header cannot park a connector for hours. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/**
 * The wait before retry number `retry` (1 for the first retry): "full jitter",
 * a uniform draw below the exponential ceiling, so producers that failed
 * together do not come back together. A Retry-After from the server is a
 * floor: the wait is never shorter than what the hub asked for.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: Random, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(random.next() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(Math.min(retryAfterMs, policy.maxRetryAfterMs), jittered);
}

/**
 * Retry-After (RFC 9110 §10.2.3) as milliseconds from `now`: delay-seconds or
 * an HTTP-date. Undefined when absent or unreadable, so the caller falls back
 * to its own backoff rather than trusting garbage.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday and GMT; Date.parse alone accepts far more.
  if (!/^[A-Z][a-z]{2}, .+ GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
