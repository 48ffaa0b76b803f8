import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeys } from '@concord/access';
import { authenticateRequest, unauthorizedBody } from './request-auth';
import { ROUTE_ACCESS_CONFIG, type RouteAccess } from './route-access';

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  /** Undefined for routes Nest did not register with `@Roles`/`@Public` (e.g. the OpenAPI UI, or a forgotten rule). */
  readonly access?: RouteAccess;
}

/** Every route the HTTP server registered, as Fastify saw it: what the access tests walk. */
export class RouteCatalog {
  private readonly routes: RegisteredRoute[] = [];

  add(route: RegisteredRoute): void {
    this.routes.push(route);
  }

  all(): readonly RegisteredRoute[] {
    return this.routes;
  }
}

function accessOf(config: unknown): RouteAccess | undefined {
  return config && typeof config === 'object' ? ((config as Record<string, unknown>)[ROUTE_ACCESS_CONFIG] as RouteAccess | undefined) : undefined;
}

/**
 * Records every route as it is registered, and checks the API key in
 * `onRequest`, before the body is read: an unauthenticated caller cannot make
 * the hub parse a megabyte of JSON. The access guard still makes the decision.
 */
export function installRouteAccess(fastify: FastifyInstance, keys: ApiKeys, catalog: RouteCatalog): void {
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const access = accessOf(route.config);
    for (const method of methods) catalog.add({ method, url: route.url, ...(access ? { access } : {}) });
  });
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = accessOf(request.routeOptions.config);
    if (access?.kind !== 'roles') return;
    const state = await authenticateRequest(request, keys);
    if (!state.ok) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="concord"').send(unauthorizedBody(state.problem));
    }
  });
}
