import { ForbiddenException, Injectable, Logger, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeys } from '@concord/access';
import { authenticateRequest, unauthorizedBody } from './request-auth';
import { ROUTE_ACCESS, type RouteAccess } from './route-access';

/**
 * The one place access is decided, for every handler. Fails closed: a handler
 * that declares neither `@Roles` nor `@Public` is refused for everybody.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const access = this.reflector.get<RouteAccess | undefined>(ROUTE_ACCESS, context.getHandler());
    if (!access) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no access rule (@Roles or @Public); refused`);
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', reason: 'no-access-rule', message: 'this route declares no access rule, so nobody may call it' });
    }
    if (access.kind === 'public') return true;
    const state = await authenticateRequest(context.switchToHttp().getRequest<FastifyRequest>(), this.keys);
    if (!state.ok) throw new UnauthorizedException(unauthorizedBody(state.problem));
    if (!access.roles.includes(state.principal.role)) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'Forbidden',
        reason: 'role-not-allowed',
        message: `this route needs one of the roles ${access.roles.join(', ')}; key ${state.principal.keyId} has role ${state.principal.role}`,
      });
    }
    return true;
  }
}
