import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import type { ConcordConfig } from '../config/concord-config';
import { HubEventRecorder } from '../hub-events/hub-event-recorder';
import { HubStatusRegistry } from '../operations/hub-status';
import { hasRole } from '../roles/hub-roles';
import { ReconciliationContributor } from './reconciliation.contributor';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationReader } from './reconciliation.reader';
import { reconciliationRulesFor } from './reconciliation-rules';
import { ReconciliationSweeper } from './reconciliation-sweeper';
import { RECONCILIATION_RULES } from './reconciliation.tokens';

/**
 * Reconciliation: the rules (validated at start-up; a bad file stops the hub
 * with every problem listed), the read API, its status and metrics, and the
 * sweeper that records openings and resolutions. The projection itself runs
 * with the others (hub-projections.ts).
 */
@Module({})
export class ReconciliationModule implements OnModuleInit {
  constructor(
    private readonly registry: HubStatusRegistry,
    private readonly contributor: ReconciliationContributor,
  ) {}

  static forRoot(config: ConcordConfig): DynamicModule {
    return {
      module: ReconciliationModule,
      controllers: hasRole(config, 'api') ? [ReconciliationController] : [],
      providers: [
        { provide: RECONCILIATION_RULES, useFactory: () => reconciliationRulesFor(config) },
        ReconciliationReader,
        ReconciliationContributor,
        ReconciliationSweeper,
        HubEventRecorder,
      ],
      exports: [ReconciliationSweeper, ReconciliationReader],
    };
  }

  onModuleInit(): void {
    this.registry.register(this.contributor);
  }
}
