import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http';

export type Remote<T> =
  | { readonly state: 'loading'; readonly data?: undefined; readonly error?: undefined }
  | { readonly state: 'ready'; readonly data: T; readonly error?: undefined; readonly refreshedAt: number }
  | { readonly state: 'error'; readonly error: ApiError; readonly data?: T };

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError('server', error instanceof Error ? error.message : String(error));
}

/**
 * Loads once per change of `deps`, and again every `pollMs` while the tab is
 * visible. A refresh keeps showing the last data (no flashing spinner); an
 * answer that arrives after a newer request was started is dropped.
 */
export function useRemote<T>(load: () => Promise<T>, deps: readonly unknown[], pollMs?: number): Remote<T> & { reload: () => void } {
  const [remote, setRemote] = useState<Remote<T>>({ state: 'loading' });
  const generation = useRef(0);
  const latest = useRef(load);
  latest.current = load;

  const run = useCallback((fresh: boolean) => {
    const mine = ++generation.current;
    if (fresh) setRemote({ state: 'loading' });
    latest
      .current()
      .then((data) => {
        if (mine === generation.current) setRemote({ state: 'ready', data, refreshedAt: Date.now() });
      })
      .catch((error: unknown) => {
        if (mine === generation.current) setRemote((previous) => ({ state: 'error', error: asApiError(error), ...(previous.data !== undefined ? { data: previous.data } : {}) }));
      });
  }, []);

  useEffect(() => {
    run(true);
    if (!pollMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run(false);
    }, pollMs);
    return () => clearInterval(timer);
  }, [...deps, pollMs]);

  return { ...remote, reload: () => run(false) };
}

/** Cursor pagination: the cursors of the pages seen so far, so "previous" works without the API going backwards. */
export function useCursorPager(resetKey: string) {
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  useEffect(() => setCursors([undefined]), [resetKey]);
  const page = cursors.length;
  return {
    cursor: cursors[cursors.length - 1],
    page,
    next: (cursor: string) => setCursors((c) => [...c, cursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    first: () => setCursors([undefined]),
  };
}
