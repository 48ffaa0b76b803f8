import type { FastifyInstance } from 'fastify';
import type { HubLogger } from '../logging/hub-logger';
import { principalOf } from '../access/request-auth';
import type { HubMetrics } from './hub-metrics';

/** One log line and one counter per HTTP request: route pattern, status, duration, credential id. Never headers or bodies. */
export function installRequestTelemetry(fastify: FastifyInstance, metrics: HubMetrics, logger: HubLogger): void {
  // A callback hook, not an async one: no promise per request. The line is only built when info is logged.
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    if (logger.isLevelEnabled('info')) {
      const credential = principalOf(request)?.keyId;
      logger.info(
        { requestId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ...(credential ? { credential } : {}) },
        'request',
      );
    }
    done();
  });
}
