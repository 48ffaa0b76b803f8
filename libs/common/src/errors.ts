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

/**
 * Stored history does not match its hash (a flipped bit, a torn or edited file): the store refuses to
 * serve it rather than pass on silently changed history. Names the event when it can.
 */
export class CorruptedHistoryError extends Error {
  override readonly name = 'CorruptedHistoryError';

  constructor(
    message: string,
    readonly event?: { readonly id: string; readonly position: number; readonly stream: string },
  ) {
    super(message);
  }
}
