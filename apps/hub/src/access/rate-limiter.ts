import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock } from '@concord/common';
import type { Role } from '@concord/access';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { parseBucketPolicy, TokenBuckets, type BucketPolicy } from './token-bucket';

export type RatePolicyName = Role | 'webhook';

/** Per-caller request budgets (token buckets) from the CONCORD_RATE_LIMIT_* settings. */
@Injectable()
export class RateLimiter {
  private readonly buckets = new TokenBuckets();
  private readonly policies: Record<RatePolicyName, BucketPolicy | undefined>;

  constructor(
    @Inject(CONCORD_CONFIG) config: ConcordConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.policies = {
      connector: parseBucketPolicy(config.CONCORD_RATE_LIMIT_CONNECTOR),
      analyst: parseBucketPolicy(config.CONCORD_RATE_LIMIT_ANALYST),
      auditor: parseBucketPolicy(config.CONCORD_RATE_LIMIT_AUDITOR),
      admin: parseBucketPolicy(config.CONCORD_RATE_LIMIT_ADMIN),
      webhook: parseBucketPolicy(config.CONCORD_RATE_LIMIT_WEBHOOK),
    };
  }

  /** Takes one request from `caller`'s bucket, or throws 429 with Retry-After set on `reply`. */
  enforce(caller: string, policyName: RatePolicyName, reply: FastifyReply): void {
    const policy = this.policies[policyName];
    if (!policy) return;
    const result = this.buckets.take(`${policyName}:${caller}`, policy, this.clock.now().getTime());
    if (result.ok) return;
    void reply.header('retry-after', String(result.retryAfterSeconds));
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `rate limit of ${policy.rate} requests/s (burst ${policy.burst}) for ${caller} used up; retry after ${result.retryAfterSeconds} s`,
        retryAfterSeconds: result.retryAfterSeconds,
      },
      429,
    );
  }
}
