import { Body, Controller, ForbiddenException, HttpCode, Inject, Post, Req, HttpException, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import type { Transport } from '@concord/event-store';
import { principalOf } from '../access/request-auth';
import { Roles } from '../access/route-access';
import { rawBodyOf } from '../http/json-body-parser';
import { IngestionPressureGuard } from '../operations/ingestion-pressure.guard';
import { IngestEventsCommand, type IngestResult } from './ingest-events.command';
import { serializeForQuarantine } from './ingest-events.handler';
import { readIngestBody, RefusedBody } from './ingest-body';

const STATUS_TEXT = { 400: 'Bad Request', 413: 'Payload Too Large', 415: 'Unsupported Media Type' } as const;

@ApiTags('ingest')
@Controller('v1/events')
export class IngestController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
  ) {}

  @Post()
  @HttpCode(200)
  @Roles('connector')
  @UseGuards(IngestionPressureGuard)
  @ApiOperation({
    summary: 'Publish one event or a batch of up to 1,000',
    description:
      'Answers 200 with one result per input, in input order: appended, duplicate (same id and content seen before) or rejected (with a reason and a quarantine id). Partial success is normal. ' +
      'A connector key may publish only for its own sources: a single event from another source is answered 403 naming the source; in a batch such an item is rejected with reason source-not-allowed.',
  })
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: '#/components/schemas/EventEnvelopeDto' },
        { type: 'object', required: ['events'], properties: { events: { type: 'array', minItems: 1, maxItems: 1000, items: { $ref: '#/components/schemas/EventEnvelopeDto' } } } },
      ],
    },
  })
  async ingest(@Body() body: unknown, @Req() request: FastifyRequest): Promise<{ results: IngestResult[] }> {
    const principal = principalOf(request);
    const transport: Transport = { kind: 'http', requestId: String(request.id), ...(principal ? { credential: principal.keyId } : {}) };
    const allowedSources = principal?.role === 'connector' ? principal.sources : undefined;
    if (body instanceof RefusedBody) {
      return await this.refuseWholeBody(body.raw, body.reason, body.problem, transport, body.status);
    }
    const parsed = readIngestBody(body);
    if (!parsed.ok) {
      const raw = rawBodyOf(request) ?? serializeForQuarantine(body);
      return await this.refuseWholeBody(raw, parsed.reason, parsed.message, transport, parsed.status);
    }
    const results: IngestResult[] = await this.commands.execute(
      new IngestEventsCommand(parsed.items.map((payload) => ({ payload, transport, ...(allowedSources ? { allowedSources } : {}) }))),
    );
    const [single] = results;
    if (!parsed.batch && single?.status === 'rejected' && single.reason === 'source-not-allowed') {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', reason: single.reason, message: single.message, quarantineId: single.quarantineId });
    }
    return { results };
  }

  /** Even a body we cannot read item by item is kept, so nothing a producer sent is lost without a trace. */
  private async refuseWholeBody(
    raw: string,
    reason: RefusedBody['reason'] | 'not-an-object' | 'invalid-batch',
    message: string,
    transport: Transport,
    status: 400 | 413 | 415,
  ): Promise<never> {
    const [entry] = await this.quarantine.recordMany([{ reason, message, raw, transport }]);
    throw new HttpException({ statusCode: status, error: STATUS_TEXT[status], reason, message, quarantineId: entry!.id }, status);
  }
}
