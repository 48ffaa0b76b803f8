import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_LOG, type AccessLog, type AccessRecordInput } from '@concord/access-log';
import { CLOCK, type Clock } from '@concord/common';
import { auditPrincipalOf } from './audit-principal';

export const AUDIT_PREFIX = '/v1/audit/';
const MAX_URL_CHARS = 2000;

/** Any route under /v1/audit/ (this module's and others', such as seals), matched or not. */
export function isAuditRequest(request: Pick<FastifyRequest, 'url'> & { routeOptions?: { url?: string } }): boolean {
  const path = request.routeOptions?.url ?? request.url.split('?', 1)[0] ?? '';
  return path.startsWith(AUDIT_PREFIX);
}

export function accessRecordOf(request: FastifyRequest, statusCode: number, at: Date): AccessRecordInput {
  const principal = auditPrincipalOf(request);
  const route = request.routeOptions?.url;
  return {
    at: at.toISOString(),
    principal: principal.id,
    ...(principal.role ? { role: principal.role } : {}),
    requestId: String(request.id),
    ip: request.ip,
    method: request.method,
    ...(route ? { route } : {}),
    url: request.url.slice(0, MAX_URL_CHARS),
    status: statusCode,
  };
}

/**
 * Records every call to an audit endpoint in the access log just before its
 * answer goes out, whatever the outcome (200, 400, 401, 404…). Fail-closed: if
 * the record cannot be written, the caller gets 503 instead of the audit data,
 * so no read of the audit trail goes unrecorded.
 */
@Injectable()
export class AuditAccessRecorder implements OnModuleInit {
  private readonly logger = new Logger('AuditAccess');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ACCESS_LOG) private readonly log: AccessLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', async (request, reply, payload) => this.record(request, reply, payload));
  }

  private async record(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    if (!isAuditRequest(request)) return payload;
    try {
      await this.log.record(accessRecordOf(request, reply.statusCode, this.clock.now()));
      return payload;
    } catch (error) {
      this.logger.error(`could not record an audit read (${request.method} ${request.url}): ${error instanceof Error ? error.message : String(error)}`);
      void reply.code(503).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the audit access log could not record this read, so its answer is withheld; try again later',
      });
    }
  }
}
