import { HUB_SOURCE, type Accepted } from './model';

/**
 * What stuck-flow detection must say under config/flows.yaml's `order-reaches-crm`, written from the
 * rule's text, not from the hub's fold: an order created in the ERP must be reported by the CRM
 * within 15 minutes of when it occurred (a CRM report that came first meets it at once); past that,
 * unmet, it is stuck; the sweeper states it `flow.overdue`, and a CRM report after that is
 * `flow.cleared` by the next sweep.
 */
export const RULE = 'order-reaches-crm';
const WITHIN_MS = 15 * 60_000;

export type FlowPhase = 'unstarted' | 'waiting' | 'overdue' | 'fulfilled' | 'clearing' | 'cleared';

export interface ModelFlow {
  readonly id: string;
  readonly order: string;
  phase: FlowPhase;
  expectedBy?: number;
  /** A CRM report seen before the ERP's order.created. */
  crmSeen: boolean;
}

export interface FlowRecord {
  readonly type: 'flow.overdue' | 'flow.cleared';
  readonly id: string;
}

export function flowsOf(log: readonly Accepted[]): Map<string, ModelFlow> {
  const flows = new Map<string, ModelFlow>();
  const flowOf = (order: string): ModelFlow => {
    const id = `${RULE}/order/${order}`;
    const flow = flows.get(id) ?? { id, order, phase: 'unstarted' as const, crmSeen: false };
    flows.set(id, flow);
    return flow;
  };
  for (const { envelope } of log) {
    if (envelope.source === HUB_SOURCE) {
      const data = envelope.data as { rule?: string; entity?: { type: string; id: string } };
      if (data.rule !== RULE || data.entity?.type !== 'order') continue;
      const flow = flowOf(data.entity.id);
      if (envelope.type === 'flow.overdue') flow.phase = flow.phase === 'waiting' ? 'overdue' : flow.phase === 'fulfilled' ? 'clearing' : flow.phase;
      if (envelope.type === 'flow.cleared' && (flow.phase === 'clearing' || flow.phase === 'overdue')) flow.phase = 'cleared';
      continue;
    }
    if (envelope.subject.type !== 'order') continue;
    const flow = flowOf(envelope.subject.id);
    if (envelope.source === 'erp' && envelope.type === 'order.created') {
      if (flow.phase !== 'unstarted') continue; // started already (or met): a repeated start changes nothing here
      flow.expectedBy = Date.parse(envelope.occurredAt) + WITHIN_MS;
      flow.phase = flow.crmSeen ? 'fulfilled' : 'waiting';
    } else if (envelope.source === 'crm') {
      if (flow.phase === 'unstarted') flow.crmSeen = true;
      else if (flow.phase === 'waiting') flow.phase = 'fulfilled';
      else if (flow.phase === 'overdue') flow.phase = 'clearing';
    }
  }
  return flows;
}

/** GET /v1/flows/stuck at `now`: unmet and past the deadline; `recorded` once the hub stated it overdue. */
export function stuckFlows(flows: ReadonlyMap<string, ModelFlow>, now: Date): Array<{ id: string; recorded: boolean }> {
  return [...flows.values()]
    .filter((f) => (f.phase === 'waiting' || f.phase === 'overdue') && f.expectedBy! < now.getTime())
    .map((f) => ({ id: f.id, recorded: f.phase === 'overdue' }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** What a sweep at `now` must state: every waiting flow past its deadline overdue, every one met after that cleared. */
export function flowRecords(flows: ReadonlyMap<string, ModelFlow>, now: Date): FlowRecord[] {
  const records: FlowRecord[] = [];
  for (const flow of flows.values()) {
    if (flow.phase === 'waiting' && flow.expectedBy! < now.getTime()) records.push({ type: 'flow.overdue', id: flow.id });
    if (flow.phase === 'clearing') records.push({ type: 'flow.cleared', id: flow.id });
  }
  return records;
}
