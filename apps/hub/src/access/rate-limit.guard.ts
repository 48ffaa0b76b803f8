import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from './request-auth';
import { RateLimiter } from './rate-limiter';

/** Runs after AccessGuard: every authenticated request spends one token from its key's bucket. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const principal = principalOf(http.getRequest<FastifyRequest>());
    if (principal) this.limiter.enforce(principal.keyId, principal.role, http.getResponse<FastifyReply>());
    return true;
  }
}
