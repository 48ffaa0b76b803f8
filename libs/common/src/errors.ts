/**
 * The store could not durably record a write (disk full, I/O error, closed).
 * Nothing was acknowledged; callers map it to 503 so producers retry later.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
