import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, parseJsonDocument } from '@concord/contracts';
import { MAX_BODY_BYTES, RefusedBody } from '../ingest/ingest-body';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A batch wraps events in `{"events": [ … ]}`: two levels more than one event may use. */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 2;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's exact bytes (signature checks need them, not a re-serialization). */
    rawBody?: Buffer;
  }
}

const rawBodies = new WeakMap<object, string>();

/** The exact text of a parsed JSON body, for refusals that must keep what was sent. */
export function rawBodyOf(request: FastifyRequest): string | undefined {
  return rawBodies.get(request);
}

/**
 * Replaces Fastify's content parsers so that nothing a producer sends is thrown
 * away by the framework: bytes that are not JSON, not UTF-8, nested deeper than
 * any event may be, or sent with another media type reach the handler as a
 * RefusedBody (to be quarantined with a 400 or 415). Invalid UTF-8 is refused,
 * never "repaired" with replacement characters.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    const parsed = parseJsonDocument(bytes, MAX_BODY_DEPTH);
    if (!parsed.ok) {
      done(null, new RefusedBody(parsed.raw, parsed.reason, parsed.message, 400));
      return;
    }
    const { document, text } = parsed;
    rawBodies.set(request, text);
    done(null, document);
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (request, body, done) => {
    const bytes = body as Buffer;
    const text = decodeUtf8(bytes);
    const mediaType = String(request.headers['content-type'] ?? 'none').slice(0, 100);
    const kept = text === undefined ? ' (body kept base64-encoded)' : '';
    done(
      null,
      new RefusedBody(text ?? bytes.toString('base64'), 'unsupported-media-type', `content-type ${mediaType} is not supported; send application/json${kept}`, 415),
    );
  });
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
