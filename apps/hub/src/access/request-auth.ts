import type { FastifyRequest } from 'fastify';
import type { ApiKeys, Principal } from '@concord/access';

export type AuthState =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly problem: 'missing-key' | 'unknown-key' | 'revoked-key' | 'ambiguous-key' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once per request by `authenticateRequest`; never holds the key itself. */
    concordAuth?: AuthState;
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The key a request presents, from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
function presentedKey(headers: FastifyRequest['headers']): { key?: string; ambiguous?: true } {
  const authorization = headers.authorization;
  const fromBearer = typeof authorization === 'string' ? (BEARER.exec(authorization)?.[1] ?? '') : undefined;
  const apiKey = headers['x-api-key'];
  const fromHeader = typeof apiKey === 'string' ? apiKey.trim() : Array.isArray(apiKey) ? '' : undefined;
  if (fromBearer !== undefined && fromHeader !== undefined && fromBearer !== fromHeader) return { ambiguous: true };
  const key = fromBearer ?? fromHeader;
  return key === undefined ? {} : { key };
}

export async function authenticateRequest(request: FastifyRequest, keys: ApiKeys): Promise<AuthState> {
  if (request.concordAuth) return request.concordAuth;
  const { key, ambiguous } = presentedKey(request.headers);
  let state: AuthState;
  if (ambiguous) state = { ok: false, problem: 'ambiguous-key' };
  else if (key === undefined) state = { ok: false, problem: 'missing-key' };
  else state = await keys.authenticate(key);
  request.concordAuth = state;
  return state;
}

export const AUTH_PROBLEM_MESSAGES: Record<Exclude<AuthState, { ok: true }>['problem'], string> = {
  'missing-key': 'an API key is required: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
  'unknown-key': 'the API key is not valid',
  'revoked-key': 'the API key was revoked',
  'ambiguous-key': 'the Authorization and x-api-key headers carry different keys',
};

export function unauthorizedBody(problem: keyof typeof AUTH_PROBLEM_MESSAGES) {
  return { statusCode: 401, error: 'Unauthorized', reason: problem, message: AUTH_PROBLEM_MESSAGES[problem] };
}

export function principalOf(request: FastifyRequest): Principal | undefined {
  const state = request.concordAuth;
  return state?.ok ? state.principal : undefined;
}
