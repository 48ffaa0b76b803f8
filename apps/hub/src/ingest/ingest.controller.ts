import { BadRequestException, Body, Controller, HttpCode, Inject, Post, Req, HttpException } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import type { Transport } from '@concord/event-store';
import { IngestEventsCommand, type IngestResult } from './ingest-events.command';
import { readIngestBody, UnparsableBody } from './ingest-body';

@ApiTags('ingest')
@Controller('v1/events')
export class IngestController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish one event or a batch of up to 1,000',
    description:
      'Answers 200 with one result per input, in input order: appended, duplicate (same id and content seen before) or rejected (with a reason and a quarantine id). Partial success is normal.',
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
    const transport: Transport = { kind: 'http', requestId: String(request.id) };
    if (body instanceof UnparsableBody) {
      return await this.refuseWholeBody(body.text, 'malformed-json', body.problem, transport, 400);
    }
    const parsed = readIngestBody(body);
    if (!parsed.ok) {
      return await this.refuseWholeBody(JSON.stringify(body) ?? '', 'not-an-object', parsed.message, transport, parsed.status);
    }
    const results = await this.commands.execute(new IngestEventsCommand(parsed.items.map((payload) => ({ payload, transport }))));
    return { results };
  }

  /** Even a body we cannot read item by item is kept, so nothing a producer sent is lost without a trace. */
  private async refuseWholeBody(raw: string, reason: 'malformed-json' | 'not-an-object', message: string, transport: Transport, status: 400 | 413): Promise<never> {
    const [entry] = await this.quarantine.recordMany([{ reason, message, raw, transport }]);
    if (status === 413) throw new HttpException({ statusCode: 413, error: 'Payload Too Large', message, quarantineId: entry!.id }, 413);
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message, quarantineId: entry!.id });
  }
}
