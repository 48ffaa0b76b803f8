/**
 * Canonical JSON: the one byte-exact serialization that hashes are computed over.
 *
 * - objects: keys sorted by UTF-16 code unit order (Array.prototype.sort default),
 *   members whose value is `undefined` are left out;
 * - arrays: in order, `undefined` elements become `null` (as JSON.stringify does);
 * - strings, finite numbers, booleans and null: exactly as JSON.stringify writes them;
 * - no whitespace anywhere.
 *
 * This follows RFC 8785 (JCS) for everything Concord stores: event payloads are
 * JSON documents, and the number formatting of JSON.stringify is the ECMAScript one
 * that JCS prescribes. Non-finite numbers, bigints, functions and symbols cannot
 * occur in parsed JSON and are refused rather than silently turned into null.
 *
 * Written with loops and string concatenation (no map/join): it runs once per
 * stored event on the ingestion path.
 */
/** Strings made only of these characters need no escaping: JSON.stringify would just add quotes. */
const PLAIN_STRING = /^[A-Za-z0-9_.\- ]*$/;

function quote(text: string): string {
  return PLAIN_STRING.test(text) ? `"${text}"` : JSON.stringify(text);
}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize the number ${value}`);
      // String(n) is the ECMAScript Number::toString that JSON.stringify uses (and -0 → "0").
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (i > 0) out += ',';
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${quote(key)}:${canonicalJson(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`);
  }
}
