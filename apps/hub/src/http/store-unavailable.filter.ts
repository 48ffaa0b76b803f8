import { Catch, type ArgumentsHost, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { StoreUnavailableError } from '@concord/common';

export const RETRY_AFTER_SECONDS_WHEN_UNAVAILABLE = 5;

/** Nothing was acknowledged: tell the producer to come back, not that it sent something wrong. */
@Catch(StoreUnavailableError)
export class StoreUnavailableFilter implements ExceptionFilter {
  private readonly logger = new Logger('Storage');

  catch(error: StoreUnavailableError, host: ArgumentsHost): void {
    this.logger.error(error.message);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .status(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS_WHEN_UNAVAILABLE))
      .send({ statusCode: 503, error: 'Service Unavailable', message: error.message });
  }
}
