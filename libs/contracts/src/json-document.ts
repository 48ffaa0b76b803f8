import { exceedsJsonDepth } from './json-safety';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes read as one JSON document, or why they could not be, with what to keep of them. */
export type JsonDocument =
  | { readonly ok: true; readonly document: unknown; readonly text: string }
  | {
      readonly ok: false;
      readonly reason: 'malformed-json' | 'unsafe-json';
      readonly message: string;
      /** The input as received: its text when it is valid UTF-8, base64 otherwise (the message says which). */
      readonly raw: string;
    };

/**
 * Reads bytes from a producer (an HTTP body, a Kafka message value) as one JSON
 * document. Invalid UTF-8 is refused, never "repaired" with replacement
 * characters, and a document nested `maxDepth` levels deep is refused before
 * anything walks it recursively (serializers, validators).
 */
export function parseJsonDocument(bytes: Uint8Array, maxDepth: number, what = 'the body'): JsonDocument {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'malformed-json', message: `${what} is not valid UTF-8 (kept base64-encoded)`, raw: Buffer.from(bytes).toString('base64') };
  }
  if (text.trim() === '') return { ok: false, reason: 'malformed-json', message: `${what} is empty`, raw: text };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'malformed-json', message: `${what} is not JSON: ${(error as Error).message}`, raw: text };
  }
  if (exceedsJsonDepth(document, maxDepth)) {
    return { ok: false, reason: 'unsafe-json', message: `${what} nests deeper than ${maxDepth} levels`, raw: text };
  }
  return { ok: true, document, text };
}
