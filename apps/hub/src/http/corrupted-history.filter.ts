import { Catch, type ArgumentsHost, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CorruptedHistoryError } from '@concord/common';

/**
 * The log refused to hand over history that does not match its hashes: say so, naming the event, instead
 * of a bare 500 (and never an answer built from the altered bytes). Not retryable: nothing changes until
 * an operator restores the file.
 */
@Catch(CorruptedHistoryError)
export class CorruptedHistoryFilter implements ExceptionFilter {
  private readonly logger = new Logger('Storage');

  catch(error: CorruptedHistoryError, host: ArgumentsHost): void {
    this.logger.error(error.message);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(500).send({ statusCode: 500, error: 'Internal Server Error', reason: 'corrupted-history', message: error.message, ...(error.event ? { event: error.event } : {}) });
  }
}
