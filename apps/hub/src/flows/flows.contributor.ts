import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { HubStatusRegistry, type HubStatusContributor, type StatusSection } from '../operations/hub-status';
import { FlowSweeper } from './flow-sweeper';
import { StuckFlows } from './stuck-flows';

/** This many overdue flows make the section critical. */
export const STUCK_FLOWS_CRITICAL = 100;

/** Stuck flows in operations: a `flows` section in /v1/status and `concord_flows_stuck{rule}` in /metrics. */
@Injectable()
export class FlowsContributor implements HubStatusContributor, OnModuleInit {
  readonly name = 'flows';

  constructor(
    private readonly stuck: StuckFlows,
    private readonly registry: HubStatusRegistry,
    @Optional() private readonly sweeper?: FlowSweeper,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async status(): Promise<StatusSection> {
    const rules = this.stuck.rules;
    if (rules.rules.length === 0) return { severity: 'ok', summary: 'stuck-flow detection is off (no rules: set CONCORD_FLOW_RULES)' };
    const { total, byRule, oldest } = await this.stuck.count();
    const details = {
      rulesVersion: rules.version,
      rules: rules.rules.length,
      overdue: total,
      byRule,
      ...(oldest ? { oldest: { id: oldest.id, expectedBy: oldest.expectedBy, overdueFor: oldest.overdueFor } } : {}),
      ...(this.sweeper?.lastSweep ? { lastSweep: this.sweeper.lastSweep } : {}),
    };
    if (total === 0) return { severity: 'ok', summary: `no flow is overdue (${rules.rules.length} rules)`, details };
    const perRule = Object.entries(byRule).filter(([, n]) => n > 0).map(([rule, n]) => `${rule}: ${n}`).join(', ');
    const summary = `${total} flow${total === 1 ? ' is' : 's are'} overdue (${perRule}); the oldest, ${oldest!.entity.type} ${oldest!.entity.id}, for ${oldest!.overdueFor}`;
    return { severity: total >= STUCK_FLOWS_CRITICAL ? 'critical' : 'warning', summary, details };
  }

  registerMetrics(registry: Registry): void {
    const stuck = this.stuck;
    new Gauge({
      name: 'concord_flows_stuck',
      help: 'Flows past their deadline without the expected event, per flow rule',
      labelNames: ['rule'],
      registers: [registry],
      async collect() {
        for (const [rule, count] of Object.entries((await stuck.count()).byRule)) this.set({ rule }, count);
      },
    });
  }
}
