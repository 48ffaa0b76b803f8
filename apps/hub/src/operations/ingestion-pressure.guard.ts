import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HubStatusRegistry } from './hub-status';

/**
 * On ingestion routes: when the write queue (or, once registered, projection
 * lag…) is over its limit, producers are told to come back later instead of
 * the hub buffering without bound. Nothing was accepted, so a retry is safe.
 */
@Injectable()
export class IngestionPressureGuard implements CanActivate {
  constructor(private readonly registry: HubStatusRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    const pressure = this.registry.pressure();
    if (!pressure) return true;
    const status = pressure.statusCode ?? 503;
    void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(pressure.retryAfterSeconds));
    throw new HttpException(
      { statusCode: status, error: status === 429 ? 'Too Many Requests' : 'Service Unavailable', reason: 'backpressure', message: pressure.reason, retryAfterSeconds: pressure.retryAfterSeconds },
      status,
    );
  }
}
