import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessModule } from './access/access.module';
import { createHubLogger, type HubLogger } from './logging/hub-logger';
import { LoggingModule } from './logging/logging.module';
import { OperationsModule } from './operations/operations.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { AuditTrailModule } from './audit-trail/audit-trail.module';
import { AuditSealsModule } from './audit-seals/audit-seals.module';
import type { ConcordConfig } from './config/concord-config';
import { EntitiesController } from './entities/entities.controller';
import { GetEntityHandler, GetEntitySyncHandler, ListEntitiesHandler } from './entities/entities.queries';
import { EventsController } from './events/events.controller';
import { FlowsModule } from './flows/flows.module';
import { GetEventHandler, GetStreamHandler } from './events/events.queries';
import { HealthController } from './health/health.controller';
import { IngestController } from './ingest/ingest.controller';
import { HubEventRecorder } from './hub-events/hub-event-recorder';
import { IngestEventsHandler } from './ingest/ingest-events.handler';
import { KafkaModule } from './kafka/kafka.module';
import { ProjectionsModule } from './projections/projections.module';
import { QuarantineController } from './quarantine/quarantine.controller';
import { QuarantineReplayer } from './quarantine/quarantine-replayer';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { SubjectErasure } from './privacy/subject-erasure';
import { SubjectsController } from './privacy/subjects.controller';
import { parseRoles, type HubRole } from './roles/hub-roles';
import { StorageModule, type HubRuntime } from './storage/storage.module';
import { UiModule } from './ui/ui.module';

/** What each role adds to a process (CONCORD_ROLES); health is always served. */
const ROLE_PARTS: Record<HubRole, { controllers: Type[]; providers: Provider[] }> = {
  ingest: { controllers: [IngestController], providers: [IngestEventsHandler] },
  api: {
    controllers: [EventsController, QuarantineController, EntitiesController, SubjectsController],
    providers: [GetEventHandler, GetStreamHandler, GetEntityHandler, ListEntitiesHandler, GetEntitySyncHandler, QuarantineReplayer, IngestEventsHandler, SubjectErasure],
  },
  // The projection runners and their status/rebuild routes come with ProjectionsModule (below).
  project: { controllers: [], providers: [IngestEventsHandler] },
};

@Module({})
export class HubModule {
  static forRoot(config: ConcordConfig, runtime: HubRuntime = {}, logger?: HubLogger): DynamicModule {
    const roles = [...parseRoles(config.CONCORD_ROLES)];
    const readsModels = roles.includes('project') || roles.includes('api');
    return {
      module: HubModule,
      imports: [
        CqrsModule.forRoot(),
        StorageModule.forRoot(config, runtime),
        LoggingModule.forRoot(logger ?? createHubLogger(config.CONCORD_LOG_LEVEL, runtime.logDestination)),
        AccessModule,
        OperationsModule,
        ...(roles.includes('ingest') ? [WebhooksModule.forRoot(config, runtime.env)] : []),
        ...(readsModels ? [ProjectionsModule.forRoot(config), FlowsModule.forRoot(config)] : []),
        ...(roles.includes('api') ? [AuditTrailModule.forRoot(config)] : []),
        ...(config.KAFKA_BROKERS ? [KafkaModule.forRoot(config, runtime.kafkaHooks)] : []),
        ...(readsModels ? [ReconciliationModule.forRoot(config)] : []),
        ...(roles.includes('api') ? [AuditSealsModule.forRoot(config)] : []),
        UiModule.forRoot(config),
      ],
      controllers: [HealthController, ...roles.flatMap((role) => ROLE_PARTS[role].controllers)],
      // A set: the ingest handler serves every role that records the hub's own events.
      providers: [...new Set([HubEventRecorder, ...roles.flatMap((role) => ROLE_PARTS[role].providers)])],
    };
  }
}
