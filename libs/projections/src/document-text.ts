import type { Doc } from './projection';
import { InvalidDocumentQueryError } from './document-path';

/** A document or key no read-model store can hold as given (PostgreSQL text and jsonb refuse U+0000 and lone surrogates). */
export class UnstorableDocumentError extends Error {
  override readonly name = 'UnstorableDocumentError';
}

// In JSON.stringify output, U+0000 and lone surrogates (and only those) appear as \u escapes: paired
// surrogates are written as they are. An escape counts only if its backslash is not itself escaped.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
const UNSTORABLE_CHAR = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The JSON text every adapter stores. Both adapters refuse the same documents, so a
 * read model that builds on SQLite builds on PostgreSQL too (and the projection stops
 * with this reason instead of the database's).
 */
export function serializeDocument(collection: string, key: string, doc: Doc): string {
  checkStorableText(collection, 'collection name');
  checkStorableText(key, `key in collection ${collection}`);
  const json = JSON.stringify(doc);
  if (UNSTORABLE_ESCAPE.test(json)) {
    throw new UnstorableDocumentError(
      `document ${collection}/${key} holds U+0000 or an unpaired surrogate, which read-model stores cannot keep`,
    );
  }
  return json;
}

function checkStorableText(text: string, what: string): void {
  if (UNSTORABLE_CHAR.test(text)) throw new UnstorableDocumentError(`${what} ${JSON.stringify(text).slice(0, 80)} holds U+0000 or an unpaired surrogate`);
}

/** Whether a store could hold this key at all; lookups of keys that cannot exist find nothing without asking. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE_CHAR.test(text);
}

/** Query text (filter values, prefixes, cursors) that no stored document could hold is refused, not sent to SQL. */
export function checkQueryText(text: string, what: string): string {
  if (UNSTORABLE_CHAR.test(text)) throw new InvalidDocumentQueryError(`${what} holds U+0000 or an unpaired surrogate`);
  return text;
}
