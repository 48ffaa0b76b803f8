import type { ContractRegistry, SubjectRef } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import type { Doc, ProjectionDefinition } from '@concord/projections';
import { evolveExpectation, expectationId, FLOW_CLEARED, FLOW_OVERDUE, stepsFor, type Expectation, type FlowStep } from './flow-expectation';
import type { FlowRule, FlowRules } from './flow-rules';

export const FLOWS_PROJECTION = 'flows';
/** Every expectation, met or not, one per rule and entity (`<rule>/<type>/<id>`). */
export const FLOW_EXPECTATIONS = 'flow-expectations';
/**
 * The same documents while they need attention (waiting, overdue, or met after being stated
 * overdue until the clearing is recorded): what the stuck list and the sweeper read, so their
 * cost follows the flows in progress, not every entity ever seen.
 */
export const FLOW_ACTIVE = 'flow-active';

/** Bump when the meaning of `apply` changes; the rules' fingerprint is added, so editing the rules rebuilds the model too. */
const CODE_VERSION = 1;

export function flowsProjectionVersion(rules: FlowRules): number {
  return CODE_VERSION * 1_000_000 + (Number.parseInt(rules.version.slice(2), 16) % 1_000_000);
}

export function isActive(expectation: Expectation): boolean {
  return expectation.open || expectation.phase === 'clearing';
}

/**
 * Open expectations of the flow rules, folded from the log: starting events open them,
 * expected events meet them, and the hub's own `flow.overdue` / `flow.cleared` records
 * (written by the sweeper) mark them overdue and cleared. Reads no clock.
 */
export function flowsProjection(rules: FlowRules, registry: ContractRegistry): ProjectionDefinition {
  const entityTypes = new Set(rules.rules.map((rule) => rule.entityType));
  // Types that can start, meet or touch an expectation, plus the hub's own records of them. An expected
  // event without a type is about the flow's entity itself (a link needs a type), so its type is listed.
  const handled = new Set<string>([FLOW_OVERDUE, FLOW_CLEARED]);
  for (const contract of registry.all()) if (entityTypes.has(contract.subjectType)) handled.add(contract.type);
  for (const rule of rules.rules) if (rule.expect.type) handled.add(rule.expect.type);

  const stepsOf = (event: StoredEvent): Array<{ rule: FlowRule; entity: SubjectRef; step: FlowStep }> =>
    rules.rules.flatMap((rule) => stepsFor(rule, event).map(({ entity, step }) => ({ rule, entity, step })));

  return {
    name: FLOWS_PROJECTION,
    version: flowsProjectionVersion(rules),
    collections: [FLOW_EXPECTATIONS, FLOW_ACTIVE],
    handles: [...handled].sort(),
    keysOf: (event) => stepsOf(event).map(({ rule, entity }) => ({ collection: FLOW_EXPECTATIONS, key: expectationId(rule.name, entity) })),
    async apply(event, view) {
      for (const { rule, entity, step } of stepsOf(event)) {
        const key = expectationId(rule.name, entity);
        const before = await view.get<Expectation & Doc>(FLOW_EXPECTATIONS, key);
        const after = evolveExpectation(before, rule, entity, step);
        if (after === undefined || after === before) continue;
        view.put(FLOW_EXPECTATIONS, key, { ...after });
        if (isActive(after)) view.put(FLOW_ACTIVE, key, { ...after });
        else if (before && isActive(before)) view.delete(FLOW_ACTIVE, key);
      }
    },
  };
}
