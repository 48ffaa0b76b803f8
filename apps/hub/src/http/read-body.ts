import { BadRequestException, HttpException } from '@nestjs/common';
import { findJsonShapeProblem, validateAgainst, type Constructor } from '@concord/contracts';
import { RefusedBody } from '../ingest/ingest-body';

/**
 * Reads a JSON request body into a DTO for routes that are not ingestion:
 * unparsable bytes, `__proto__`-style keys and deep nesting are refused before
 * class-transformer walks the document (it recurses, and would overflow the
 * stack on a 10,000-deep body), then the DTO's rules apply.
 */
export function readBody<T extends object>(schema: Constructor<T>, body: unknown, options: { optional?: boolean } = {}): T {
  if (body instanceof RefusedBody) {
    const error = body.status === 415 ? 'Unsupported Media Type' : 'Bad Request';
    throw new HttpException({ statusCode: body.status, error, reason: body.reason, message: body.problem }, body.status);
  }
  if (body === undefined || body === null) {
    if (options.optional) body = {};
    else throw new BadRequestException({ statusCode: 400, error: 'Bad Request', reason: 'missing-body', message: 'a JSON body is required' });
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', reason: 'not-an-object', message: 'the body must be a JSON object' });
  }
  const shape = findJsonShapeProblem(body);
  if (shape) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', reason: 'unsafe-json', message: shape.message });
  const errors = validateAgainst(schema, body, '');
  if (errors.length > 0) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', reason: 'invalid-body', message: errors.map((e) => e.message).join('; '), errors });
  }
  return body as T;
}
