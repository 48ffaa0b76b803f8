import type { FastifyInstance } from 'fastify';
import { MAX_BODY_BYTES, UnparsableBody } from '../ingest/ingest-body';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's exact bytes (signature checks need them, not a re-serialization). */
    rawBody?: Buffer;
  }
}

/**
 * Replaces Fastify's JSON parser so that bytes which are not JSON reach the
 * handler as an UnparsableBody (to be quarantined with a 400) instead of being
 * thrown away by the framework. Invalid UTF-8 is refused, never "repaired"
 * with replacement characters.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      done(null, new UnparsableBody(bytes.toString('base64'), 'the body is not valid UTF-8 (kept base64-encoded)'));
      return;
    }
    if (text.trim() === '') {
      done(null, new UnparsableBody(text, 'the body is empty'));
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(null, new UnparsableBody(text, `the body is not JSON: ${(error as Error).message}`));
    }
  });
}
