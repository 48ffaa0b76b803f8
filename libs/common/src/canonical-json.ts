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
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize the number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`);
  }
}
