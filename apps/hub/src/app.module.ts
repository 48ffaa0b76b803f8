import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessModule } from './access/access.module';
import type { ConcordConfig } from './config/concord-config';
import { EventsController } from './events/events.controller';
import { GetEventHandler, GetStreamHandler } from './events/events.queries';
import { HealthController } from './health/health.controller';
import { IngestController } from './ingest/ingest.controller';
import { IngestEventsHandler } from './ingest/ingest-events.handler';
import { QuarantineController } from './quarantine/quarantine.controller';
import { StorageModule, type HubRuntime } from './storage/storage.module';

@Module({})
export class HubModule {
  static forRoot(config: ConcordConfig, runtime: HubRuntime = {}): DynamicModule {
    return {
      module: HubModule,
      imports: [CqrsModule.forRoot(), StorageModule.forRoot(config, runtime), AccessModule],
      controllers: [IngestController, EventsController, QuarantineController, HealthController],
      providers: [IngestEventsHandler, GetEventHandler, GetStreamHandler],
    };
  }
}
