import { systemRandom, type Random } from '@concord/common';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './backoff';
import type { FailureReason } from './results';

/** How a publisher retries; every part injectable so tests neither sleep nor draw real randomness. */
export interface RetryOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Jitter source; inject a SeededRandom for reproducible runs. */
  readonly random?: Random;
  /** How to wait between attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told before each wait, for logs and metrics. */
  readonly onRetry?: (retry: RetryNotice) => void;
}

export interface RetryNotice {
  /** The attempt that just failed (1 = the first). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly events: number;
  readonly cause: string;
}

/** What one attempt came to. */
export type Attempt<T> =
  | { readonly kind: 'answered'; readonly value: T }
  | { readonly kind: 'permanent'; readonly reason: FailureReason; readonly message: string }
  | { readonly kind: 'transient'; readonly reason: FailureReason; readonly message: string; readonly retryAfterMs?: number };

export type Settled<T> =
  | { readonly kind: 'answered'; readonly value: T }
  | { readonly kind: 'failed'; readonly reason: FailureReason; readonly message: string; readonly attempts: number; readonly retriable: boolean };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs attempts until one is answered, one fails for good, or the policy's
 * attempts are used up, waiting with backoff and jitter in between. The caller
 * makes every attempt resend the same events (same ids), so a retry after a
 * lost answer can only meet `duplicate` downstream.
 */
export class Retrier {
  private readonly policy: RetryPolicy;
  private readonly random: Random;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly options: RetryOptions,
    defaults: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    this.policy = { ...defaults, ...options.retry };
    if (!Number.isInteger(this.policy.maxAttempts) || this.policy.maxAttempts < 1) {
      throw new RangeError(`retry.maxAttempts must be an integer ≥ 1, got ${this.policy.maxAttempts}`);
    }
    this.random = options.random ?? systemRandom;
    this.sleep = options.sleep ?? realSleep;
  }

  async run<T>(events: number, attempt: () => Promise<Attempt<T>>): Promise<Settled<T>> {
    for (let attempts = 1; ; attempts++) {
      const outcome = await attempt();
      if (outcome.kind === 'answered') return outcome;
      if (outcome.kind === 'permanent') return { kind: 'failed', reason: outcome.reason, message: outcome.message, attempts, retriable: false };
      if (attempts >= this.policy.maxAttempts) {
        return { kind: 'failed', reason: outcome.reason, message: `gave up after ${attempts} attempts: ${outcome.message}`, attempts, retriable: true };
      }
      const delayMs = retryDelayMs(this.policy, attempts, this.random, outcome.retryAfterMs);
      this.options.onRetry?.({ attempt: attempts, delayMs, events, cause: outcome.message });
      await this.sleep(delayMs);
    }
  }
}
