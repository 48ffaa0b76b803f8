import { ApiError, createApi, withQuery } from './http';

type Call = { url: string; init: RequestInit };

function fakeFetch(answer: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (async (url: string, init: RequestInit) => {
      const call = { url, init };
      calls.push(call);
      return answer(call);
    }) as unknown as typeof fetch,
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

async function failureOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('the dashboard HTTP client', () => {
  it('sends the key as a bearer token on every call, and JSON bodies on posts', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true }));
    const api = createApi('concord_secret', fetch);
    expect(await api.get('/v1/whoami')).toEqual({ ok: true });
    await api.post('/v1/quarantine/q-1/replay', { payload: { id: 'x' } });
    expect(calls.map((c) => (c.init.headers as Record<string, string>).authorization)).toEqual(['Bearer concord_secret', 'Bearer concord_secret']);
    expect(calls[1]!.init).toMatchObject({ method: 'POST', body: '{"payload":{"id":"x"}}' });
    expect((calls[1]!.init.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  it('builds query strings without empty values and encodes them', () => {
    expect(withQuery('/v1/quarantine', { source: 'erp', reason: undefined, since: '', limit: 20, cursor: 'a&b' })).toBe('/v1/quarantine?source=erp&limit=20&cursor=a%26b');
    expect(withQuery('/v1/status')).toBe('/v1/status');
  });

  it('tells a missing feature (Nest "Cannot GET" 404) from a missing thing (any other 404)', async () => {
    const { fetch } = fakeFetch(({ url }) =>
      url.startsWith('/v1/reconciliation')
        ? json(404, { statusCode: 404, error: 'Not Found', message: 'Cannot GET /v1/reconciliation?status=open' })
        : json(404, { statusCode: 404, error: 'Not Found', message: 'no order "SO-9" is known' }),
    );
    const api = createApi('k', fetch);
    const missingFeature = await failureOf(api.get('/v1/reconciliation', { status: 'open' }));
    expect(missingFeature).toMatchObject({ kind: 'unavailable', status: 404 });
    const missingEntity = await failureOf(api.get('/v1/entities/order/SO-9'));
    expect(missingEntity).toMatchObject({ kind: 'not-found', message: 'no order "SO-9" is known' });
  });

  it('maps refusals to kinds and keeps the hub’s message (and Retry-After)', async () => {
    const answers: Record<string, Response> = {
      '/401': json(401, { message: 'the API key was revoked' }),
      '/403': json(403, { message: 'this route needs one of the roles admin' }),
      '/400': json(400, { message: ['limit must not exceed 500', 'cursor is bad'] }),
      '/429': json(429, { message: 'rate limit' }, { 'retry-after': '2' }),
      '/500': new Response('<html>boom</html>', { status: 500, statusText: 'Internal Server Error' }),
    };
    const { fetch } = fakeFetch(({ url }) => answers[url]!);
    const api = createApi('k', fetch);
    expect(await failureOf(api.get('/401'))).toMatchObject({ kind: 'unauthorized', message: 'the API key was revoked' });
    expect(await failureOf(api.get('/403'))).toMatchObject({ kind: 'forbidden' });
    expect(await failureOf(api.get('/400'))).toMatchObject({ kind: 'invalid', message: 'limit must not exceed 500; cursor is bad' });
    expect(await failureOf(api.get('/429'))).toMatchObject({ kind: 'rate-limited', message: 'rate limit (retry after 2 s)' });
    expect(await failureOf(api.get('/500'))).toMatchObject({ kind: 'server', message: '500 Internal Server Error' });
  });

  it('reports a hub that does not answer as a network problem', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await failureOf(createApi('k', fetch).get('/v1/status'))).toMatchObject({ kind: 'network', message: expect.stringContaining('Failed to fetch') });
  });

  it('reads text answers (metrics) and empty post answers', async () => {
    const { fetch, calls } = fakeFetch(({ url }) => (url === '/metrics' ? new Response('a 1\n') : new Response('', { status: 200 })));
    const api = createApi('k', fetch);
    expect(await api.text('/metrics')).toBe('a 1\n');
    expect((calls[0]!.init.headers as Record<string, string>).accept).toBe('text/plain');
    expect(await api.post('/v1/audit/verify')).toBeUndefined();
  });
});
