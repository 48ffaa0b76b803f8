/**
 * What a key may do. `connector` publishes (only for its own sources);
 * `analyst` reads views and exports; `auditor` reads history, audit and
 * verification; `admin` manages keys, replays quarantine and may do anything
 * the other roles may.
 */
export const ROLES = ['connector', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
