import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '@concord/access';

/** Who may call a route: API-key holders of some roles, or anyone (with the reason it is safe). */
export type RouteAccess =
  | { readonly kind: 'roles'; readonly roles: readonly Role[] }
  | { readonly kind: 'public'; readonly reason: string };

export const ROUTE_ACCESS = 'concord:route-access';
/** The same rule, copied into Fastify's route config so keys are checked before the body is even read. */
export const ROUTE_ACCESS_CONFIG = 'concordAccess';

function declare(access: RouteAccess): MethodDecorator {
  return applyDecorators(SetMetadata(ROUTE_ACCESS, access), RouteConfig({ [ROUTE_ACCESS_CONFIG]: access }));
}

/**
 * The roles that may call this handler. `admin` may call every key-protected
 * route, so it is always added. Every handler must carry `@Roles` or `@Public`:
 * the access guard refuses handlers that declare neither.
 */
export function Roles(...roles: Role[]): MethodDecorator {
  const allowed = [...new Set<Role>([...roles, 'admin'])];
  return applyDecorators(
    declare({ kind: 'roles', roles: allowed }),
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown or revoked one' }),
    ApiForbiddenResponse({ description: `The key's role is not one of: ${allowed.join(', ')}` }),
    ApiTooManyRequestsResponse({ description: "The key's rate limit is used up; see Retry-After" }),
  );
}

/** Callable without an API key. `reason` says why that is safe (it is kept in metadata and read by tests). */
export function Public(reason: string): MethodDecorator {
  return declare({ kind: 'public', reason });
}
