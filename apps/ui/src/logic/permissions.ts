import type { Role } from '@concord/access';

/** What the dashboard offers; the hub still checks every call (these only hide what would be refused). */
export type Capability = 'read' | 'replay-quarantine' | 'seal' | 'verify' | 'audit';

const GRANTS: Record<Role, readonly Capability[]> = {
  connector: [],
  analyst: ['read'],
  auditor: ['read', 'audit', 'verify'],
  admin: ['read', 'audit', 'verify', 'seal', 'replay-quarantine'],
};

export function can(role: Role, capability: Capability): boolean {
  return GRANTS[role].includes(capability);
}
