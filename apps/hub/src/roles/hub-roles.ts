import type { ConcordConfig } from '../config/concord-config';

/**
 * What one hub process does (CONCORD_ROLES). `ingest`: takes events in (HTTP, and
 * Kafka when configured) and appends them to the log. `project`: runs the
 * projections (one active projector per projection across all instances, by
 * lease). `api`: serves the read endpoints. Default: all three in one process.
 */
export const HUB_ROLES = ['ingest', 'project', 'api'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

export const ROLES_PATTERN = /^\s*(ingest|project|api)\s*(,\s*(ingest|project|api)\s*)*$/;

export function parseRoles(text: string): ReadonlySet<HubRole> {
  if (!ROLES_PATTERN.test(text)) throw new Error(`CONCORD_ROLES must list one or more of ${HUB_ROLES.join(', ')}: got ${JSON.stringify(text)}`);
  return new Set(text.split(',').map((role) => role.trim() as HubRole));
}

/**
 * Whether this process has a role. Transports check `hasRole(config, 'ingest')`
 * before they start consuming (the Kafka consumer module included), so an
 * `api`- or `project`-only instance never takes events in.
 */
export function hasRole(config: Pick<ConcordConfig, 'CONCORD_ROLES'>, role: HubRole): boolean {
  return parseRoles(config.CONCORD_ROLES).has(role);
}
