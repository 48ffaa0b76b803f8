/**
 * The one place the dashboard talks HTTP: every call carries the user's key as
 * `Authorization: Bearer`, and every failure becomes an `ApiError` with a kind
 * the pages can show a designed state for.
 */
export type ApiErrorKind =
  | 'unauthorized'
  | 'forbidden'
  /** The route does not exist on this hub (a feature that has not landed, or is switched off). */
  | 'unavailable'
  | 'not-found'
  | 'invalid'
  | 'rate-limited'
  | 'server'
  | 'network';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  text(path: string, query?: Query): Promise<string>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

export type Query = Record<string, string | number | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const search = new URLSearchParams(
    Object.entries(query)
      .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();
  return search ? `${path}?${search}` : path;
}

/** A path segment from user input (ids may hold `/`, `?`, `#`…). */
export const segment = encodeURIComponent;

function kindOf(status: number, message: string): ApiErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  // Nest answers "Cannot GET /v1/…" for a route it does not have; any other 404 is about the thing asked for.
  if (status === 404) return /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD) /.test(message) ? 'unavailable' : 'not-found';
  if (status === 405 || status === 501) return 'unavailable';
  if (status === 429) return 'rate-limited';
  if (status >= 400 && status < 500) return 'invalid';
  return 'server';
}

function messageOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  return fallback;
}

export function createApi(key: string, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): Api {
  async function call(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(path, {
        method,
        headers: { authorization: `Bearer ${key}`, accept, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError('network', `the hub did not answer (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      const message = messageOf(parsed, `${response.status} ${response.statusText}`.trim());
      const retry = response.headers.get('retry-after');
      throw new ApiError(kindOf(response.status, message), retry ? `${message} (retry after ${retry} s)` : message, response.status, parsed);
    }
    return response;
  }
  return {
    async get<T>(path: string, query?: Query) {
      return (await (await call('GET', withQuery(path, query))).json()) as T;
    },
    async text(path: string, query?: Query) {
      return (await call('GET', withQuery(path, query), undefined, 'text/plain')).text();
    },
    async post<T>(path: string, body: unknown = {}) {
      const response = await call('POST', path, body);
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}
