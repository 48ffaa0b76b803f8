import { auditPrincipalOf } from './audit-principal';

describe('auditPrincipalOf', () => {
  it('reads request.principal.id and its role', () => {
    expect(auditPrincipalOf({ principal: { id: 'key-7', role: 'auditor' } })).toEqual({ id: 'key-7', role: 'auditor' });
    expect(auditPrincipalOf({ principal: { id: 'key-7' } })).toEqual({ id: 'key-7' });
  });

  it('reads the API-key access control’s request.concordAuth when it authenticated the caller', () => {
    expect(auditPrincipalOf({ concordAuth: { ok: true, principal: { keyId: 'k-1', role: 'admin', sources: [] } } })).toEqual({ id: 'k-1', role: 'admin' });
  });

  it('prefers request.principal when both are present', () => {
    expect(auditPrincipalOf({ principal: { id: 'p' }, concordAuth: { ok: true, principal: { keyId: 'k' } } })).toEqual({ id: 'p' });
  });

  it('names everyone else anonymous: no principal, a failed authentication, or fields of the wrong shape', () => {
    for (const request of [{}, { concordAuth: { ok: false, problem: 'unknown-key' } }, { principal: { id: 42 } }, { principal: { id: '' } }, { principal: null }, { concordAuth: { ok: 'yes', principal: { keyId: 'k' } } }]) {
      expect(auditPrincipalOf(request)).toEqual({ id: 'anonymous' });
    }
  });
});
