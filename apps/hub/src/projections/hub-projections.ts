import type { ContractRegistry } from '@concord/contracts';
import type { ProjectionDefinition } from '@concord/projections';
import { auditFlowsProjection } from '../audit-trail/audit-flows.projection';
import { entityViewProjection } from '../entities/entity-view.projection';

/** Every projection the hub runs. A new read model is a folder with its projection, plus a line here. */
export function hubProjections(registry: ContractRegistry): ProjectionDefinition[] {
  return [entityViewProjection(registry), auditFlowsProjection];
}
