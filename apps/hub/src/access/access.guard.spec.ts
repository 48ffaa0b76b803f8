import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeys, SqliteApiKeyStore } from '@concord/access';
import { openDatabase } from '@concord/sqlite';
import { AccessGuard } from './access.guard';
import { Public, Roles } from './route-access';

class Handlers {
  undeclared(): void {}
  @Roles('analyst') forAnalysts(): void {}
  @Public('probe') open(): void {}
}

function contextFor(handler: keyof Handlers, headers: Record<string, string> = {}): ExecutionContext {
  const request = { headers };
  return {
    getType: () => 'http',
    getHandler: () => Handlers.prototype[handler],
    getClass: () => Handlers,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

describe('AccessGuard', () => {
  const keys = new ApiKeys(new SqliteApiKeyStore(openDatabase(':memory:')));
  const guard = new AccessGuard(new Reflector(), keys);

  it('given a handler with no @Roles or @Public, then everybody is refused, even an admin (fails closed)', async () => {
    const { key } = await keys.create({ role: 'admin' });
    await expect(guard.canActivate(contextFor('undeclared', { authorization: `Bearer ${key}` }))).rejects.toBeInstanceOf(ForbiddenException);
    await expect(guard.canActivate(contextFor('undeclared'))).rejects.toBeInstanceOf(ForbiddenException);
  });

  it('given @Roles, then no key is 401, a wrong role 403, a named role and admin pass', async () => {
    const analyst = (await keys.create({ role: 'analyst' })).key;
    const auditor = (await keys.create({ role: 'auditor' })).key;
    const admin = (await keys.create({ role: 'admin' })).key;
    await expect(guard.canActivate(contextFor('forAnalysts'))).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(guard.canActivate(contextFor('forAnalysts', { authorization: `Bearer ${auditor}` }))).rejects.toBeInstanceOf(ForbiddenException);
    await expect(guard.canActivate(contextFor('forAnalysts', { authorization: `Bearer ${analyst}` }))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor('forAnalysts', { 'x-api-key': admin }))).resolves.toBe(true);
  });

  it('given @Public, then no key is needed', async () => {
    await expect(guard.canActivate(contextFor('open'))).resolves.toBe(true);
  });
});
