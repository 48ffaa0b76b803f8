import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { ContractRegistry } from '@concord/contracts';
import type { ConcordConfig } from '../config/concord-config';
import { hasRole } from '../roles/hub-roles';
import { HubEventRecorder } from '../hub-events/hub-event-recorder';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { FlowSweeper } from './flow-sweeper';
import { flowRulesFor } from './flow-rules';
import { FlowsContributor } from './flows.contributor';
import { FlowsController } from './flows.controller';
import { FLOW_RULES, StuckFlows } from './stuck-flows';

/**
 * Stuck flows: the rules (FLOW_RULES, also read by the flows projection), the overdue
 * list for the `api` role, status and metrics wherever read models are, and the sweeper
 * with the `project` role (it sweeps while this instance holds the flows projection's lease).
 */
@Module({})
export class FlowsModule {
  static forRoot(config: ConcordConfig): DynamicModule {
    const providers: Provider[] = [
      { provide: FLOW_RULES, inject: [CONTRACT_REGISTRY], useFactory: (registry: ContractRegistry) => flowRulesFor(config, registry) },
      StuckFlows,
      FlowsContributor,
      ...(hasRole(config, 'project') ? [HubEventRecorder, FlowSweeper] : []),
    ];
    return {
      module: FlowsModule,
      global: true,
      controllers: hasRole(config, 'api') ? [FlowsController] : [],
      providers,
      exports: [FLOW_RULES, StuckFlows],
    };
  }
}
