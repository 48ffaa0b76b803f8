import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditTrailModule } from './audit-trail/audit-trail.module';
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
import { StorageModule, type HubRuntime } from './storage/storage.module';

@Module({})
export class HubModule {
  static forRoot(config: ConcordConfig, runtime: HubRuntime = {}): DynamicModule {
    return {
      module: HubModule,
      imports: [CqrsModule.forRoot(), StorageModule.forRoot(config, runtime), ProjectionsModule.forRoot(config), AuditTrailModule.forRoot(config)],
      controllers: [IngestController, EventsController, QuarantineController, HealthController, EntitiesController],
      providers: [IngestEventsHandler, GetEventHandler, GetStreamHandler, GetEntityHandler, ListEntitiesHandler, GetEntitySyncHandler],
    };
  }
}
