const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/** A document query no adapter can run as asked (bad path, text no store can hold): refused before it reaches SQL. */
export class InvalidDocumentQueryError extends Error {
  override readonly name: string = 'InvalidDocumentQueryError';
}

export class InvalidDocumentPathError extends InvalidDocumentQueryError {
  override readonly name = 'InvalidDocumentPathError';
}

/**
 * Splits `state.total.amount` into checked segments; anything else is refused before it reaches SQL.
 * A path walks object members only: a segment of digits names a member ("0"), never an array element.
 */
export function documentPathSegments(path: string): string[] {
  const segments = path.split('.');
  if (segments.length > 8 || !segments.every((s) => SEGMENT.test(s))) {
    throw new InvalidDocumentPathError(`not a document path: ${JSON.stringify(path).slice(0, 80)}`);
  }
  return segments;
}

/** SQLite JSON path (`$.state."order-no"`), built only from checked segments. SQLite's `."0"` never indexes an array. */
export function sqliteJsonPath(path: string): string {
  return `$${documentPathSegments(path)
    .map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `."${s}"`))
    .join('')}`;
}

/** Reads a dotted path out of a plain object. */
export function valueAtPath(doc: unknown, path: string): unknown {
  let current = doc;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
