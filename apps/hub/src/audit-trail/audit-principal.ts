export const ANONYMOUS = 'anonymous';

export interface AuditPrincipal {
  readonly id: string;
  readonly role?: string;
}

interface PrincipalFields {
  readonly principal?: { readonly id?: unknown; readonly role?: unknown };
  readonly concordAuth?: { readonly ok?: unknown; readonly principal?: { readonly keyId?: unknown; readonly role?: unknown } };
}

/**
 * Who made a request, as the audit access log names them. Authentication is
 * not this module's job; it reads what the authentication layer left on the
 * request, in this order:
 *   1. `request.principal.id` (and `.role`): the request-scoped principal;
 *   2. `request.concordAuth.principal.keyId` (and `.role`) when `concordAuth.ok`:
 *      the shape the API-key access control sets;
 * and otherwise names the caller `anonymous`.
 */
export function auditPrincipalOf(request: object): AuditPrincipal {
  const fields = request as PrincipalFields;
  const direct = fields.principal;
  if (direct && typeof direct.id === 'string' && direct.id !== '') return withRole(direct.id, direct.role);
  const auth = fields.concordAuth;
  if (auth?.ok === true && auth.principal && typeof auth.principal.keyId === 'string' && auth.principal.keyId !== '') {
    return withRole(auth.principal.keyId, auth.principal.role);
  }
  return { id: ANONYMOUS };
}

function withRole(id: string, role: unknown): AuditPrincipal {
  return typeof role === 'string' && role !== '' ? { id, role } : { id };
}
