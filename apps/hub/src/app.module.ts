import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessModule } from './access/access.module';
import { createHubLogger, type HubLogger } from './logging/hub-logger';
import { LoggingModule } from './logging/logging.module';
import { OperationsModule } from './operations/operations.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import type { ConcordConfig } from './config/concord-config';
import { EntitiesController } from './entities/entities.controller';
import { GetEntityHandler, GetEntitySyncHandler, ListEntitiesHandler } from './entities/entities.queries';
import { EventsController } from './events/events.controller';
import { GetEventHandler, GetStreamHandler } from './events/events.queries';
import { HealthController } from './health/health.controller';
import { IngestController } from './ingest/ingest.controller';
import { IngestEventsHandler } from './ingest/ingest-events.handler';
import { ProjectionsModule } from './projections/projections.module';
import { QuarantineController } from './quarantine/quarantine.controller';
import { QuarantineReplayer } from './quarantine/quarantine-replayer';
import { StorageModule, type HubRuntime } from './storage/storage.module';
import { UiModule } from './ui/ui.module';

@Module({})
export class HubModule {
  static forRoot(config: ConcordConfig, runtime: HubRuntime = {}, logger?: HubLogger): DynamicModule {
    return {
      module: HubModule,
      imports: [
        CqrsModule.forRoot(),
        StorageModule.forRoot(config, runtime),
        LoggingModule.forRoot(logger ?? createHubLogger(config.CONCORD_LOG_LEVEL, runtime.logDestination)),
        AccessModule,
        OperationsModule,
        WebhooksModule.forRoot(config, runtime.env),
        ProjectionsModule.forRoot(config),
        UiModule.forRoot(config),
      ],
      controllers: [IngestController, EventsController, QuarantineController, HealthController, EntitiesController],
      providers: [IngestEventsHandler, GetEventHandler, GetStreamHandler, QuarantineReplayer, GetEntityHandler, ListEntitiesHandler, GetEntitySyncHandler],
    };
  }
}
