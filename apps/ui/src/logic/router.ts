/** The dashboard's pages live in the URL fragment: `#/entity/order/SO-1?asOf=…`. Links can be shared and reloaded. */
export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'entity'; readonly type?: string; readonly id?: string; readonly query: URLSearchParams }
  | { readonly page: 'quarantine'; readonly id?: string; readonly query: URLSearchParams }
  | { readonly page: 'reconciliation'; readonly itemId?: string; readonly query: URLSearchParams }
  | { readonly page: 'audit'; readonly correlationId?: string; readonly query: URLSearchParams }
  | { readonly page: 'flows'; readonly query: URLSearchParams }
  | { readonly page: 'not-found'; readonly path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const query = new URLSearchParams(queryPart);
  const parts = pathPart.split('/').filter(Boolean).map(safeDecode);
  const [page, ...rest] = parts;
  switch (page) {
    case undefined:
    case 'overview':
      return { page: 'overview' };
    case 'entity':
      return { page: 'entity', ...(rest[0] ? { type: rest[0] } : {}), ...(rest[1] ? { id: rest.slice(1).join('/') } : {}), query };
    case 'quarantine':
      return { page: 'quarantine', ...(rest[0] ? { id: rest.join('/') } : {}), query };
    case 'reconciliation':
      return { page: 'reconciliation', ...(rest[0] ? { itemId: rest.join('/') } : {}), query };
    case 'audit':
      return { page: 'audit', ...(rest[0] ? { correlationId: rest.join('/') } : {}), query };
    case 'flows':
      return { page: 'flows', query };
    default:
      return { page: 'not-found', path: pathPart };
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Builds a fragment link: `href('entity', ['order', 'SO-1'], { asOf })`; empty query values are left out. */
export function href(page: string, path: readonly string[] = [], query: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString();
  return `#/${[page, ...path.map(encodeURIComponent)].join('/')}${search ? `?${search}` : ''}`;
}
