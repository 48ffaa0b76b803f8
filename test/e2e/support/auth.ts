/**
 * What every e2e test hub needs since access control: an admin key created at
 * start (CONCORD_BOOTSTRAP_ADMIN_KEY) and no rate limits. Spread
 * `TEST_SECURITY_ENV` into the hub's config and send `authHeader()` with requests.
 */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export const TEST_SECURITY_ENV: Readonly<Record<string, string>> = {
  CONCORD_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
  CONCORD_RATE_LIMIT_CONNECTOR: 'off',
  CONCORD_RATE_LIMIT_ANALYST: 'off',
  CONCORD_RATE_LIMIT_AUDITOR: 'off',
  CONCORD_RATE_LIMIT_ADMIN: 'off',
  CONCORD_RATE_LIMIT_WEBHOOK: 'off',
};

export function authHeader(key: string = TEST_ADMIN_KEY): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}
