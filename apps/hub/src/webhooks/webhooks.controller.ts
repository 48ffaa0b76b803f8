import { Controller, HttpCode, NotFoundException, Param, Post, Req, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../access/rate-limiter';
import { Public } from '../access/route-access';
import { IngestionPressureGuard } from '../operations/ingestion-pressure.guard';
import { WebhookIntake } from './webhook-intake';

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly intake: WebhookIntake,
    private readonly limiter: RateLimiter,
  ) {}

  @Post(':source')
  @HttpCode(200)
  @Public("authenticated by the Standard Webhooks signature made with the source's secret, not by an API key")
  @UseGuards(IngestionPressureGuard)
  @ApiHeader({ name: 'webhook-id', required: true })
  @ApiHeader({ name: 'webhook-timestamp', required: true, description: 'seconds since the epoch; at most 5 minutes from the hub clock' })
  @ApiHeader({ name: 'webhook-signature', required: true, description: 'space-separated v1,<base64 HMAC-SHA256 of id.timestamp.body>' })
  @ApiOperation({
    summary: 'Receive a signed webhook (Standard Webhooks) and map it to an event',
    description:
      'A bad or missing signature, or a timestamp more than 5 minutes off, is answered 401 and kept in quarantine. A verified webhook is answered 200 with one result ' +
      '(appended, duplicate when the same webhook id came before, or rejected and quarantined when it cannot be mapped or breaks its contract).',
  })
  async receive(@Param('source') name: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const source = this.intake.source(name);
    if (!source) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: 'no webhook source is configured under this name' });
    this.limiter.enforce(source.name, 'webhook', reply);
    const outcome = await this.intake.receive(source, { headers: request.headers, body: request.rawBody ?? Buffer.alloc(0), requestId: String(request.id) });
    if (outcome.kind === 'unverified') {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', reason: outcome.reason, message: outcome.message, quarantineId: outcome.quarantineId });
    }
    return { results: outcome.results };
  }
}
