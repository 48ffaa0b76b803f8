import type { ContractRegistry } from '@concord/contracts';
import type { ProjectionDefinition } from '@concord/projections';
import { auditFlowsProjection } from '../audit-trail/audit-flows.projection';
import { entityViewProjection } from '../entities/entity-view.projection';
import { NO_FLOW_RULES, type FlowRules } from '../flows/flow-rules';
import { flowsProjection } from '../flows/flows.projection';
import { reconciliationProjection } from '../reconciliation/reconciliation.projection';
import type { ReconciliationRules } from '../reconciliation/reconciliation-rules';

/** What configurable projections are configured with (each loaded and validated at start-up). */
export interface HubProjectionSettings {
  /** Without rules (or with none in them), reconciliation is not run. */
  readonly reconciliationRules?: ReconciliationRules;
  /** Without rules, the flows projection is not run (GET /v1/flows/stuck answers an empty list). */
  readonly flowRules?: FlowRules;
}

/** Projections contributed by optional modules (the Kafka outbox), run like the others. */
export const EXTRA_PROJECTIONS = Symbol('ExtraProjections');

/** Every projection the hub runs. A new read model is a folder with its projection, plus a line here. */
export function hubProjections(registry: ContractRegistry, settings: HubProjectionSettings = {}): ProjectionDefinition[] {
  const { reconciliationRules, flowRules = NO_FLOW_RULES } = settings;
  return [
    entityViewProjection(registry),
    auditFlowsProjection,
    ...(reconciliationRules && reconciliationRules.entities.size > 0 ? [reconciliationProjection(registry, reconciliationRules)] : []),
    ...(flowRules.rules.length > 0 ? [flowsProjection(flowRules, registry)] : []),
  ];
}
