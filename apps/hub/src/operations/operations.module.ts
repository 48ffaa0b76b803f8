import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { INGEST_OBSERVER } from '../ingest/ingest-events.command';
import { EventLogContributor } from './event-log.contributor';
import { HubMetrics } from './hub-metrics';
import { HubStatusRegistry } from './hub-status';
import { IngestTelemetry } from './ingest-telemetry';
import { IngestionContributor } from './ingestion.contributor';
import { IngestionPressureGuard } from './ingestion-pressure.guard';
import { OperationsController } from './operations.controller';
import { QuarantineContributor } from './quarantine.contributor';

/**
 * Metrics, status, readiness and backpressure. Other capabilities take part by
 * registering a `HubStatusContributor` with the exported `HubStatusRegistry`.
 */
@Global()
@Module({
  imports: [TerminusModule],
  controllers: [OperationsController],
  providers: [
    HubMetrics,
    HubStatusRegistry,
    IngestTelemetry,
    { provide: INGEST_OBSERVER, useExisting: IngestTelemetry },
    IngestionPressureGuard,
    EventLogContributor,
    IngestionContributor,
    QuarantineContributor,
  ],
  exports: [HubMetrics, HubStatusRegistry, INGEST_OBSERVER, IngestionPressureGuard, TerminusModule],
})
export class OperationsModule implements OnModuleInit {
  constructor(
    private readonly registry: HubStatusRegistry,
    private readonly metrics: HubMetrics,
    private readonly eventLog: EventLogContributor,
    private readonly ingestion: IngestionContributor,
    private readonly quarantine: QuarantineContributor,
  ) {}

  onModuleInit(): void {
    this.registry.onRegister((contributor) => contributor.registerMetrics?.(this.metrics.registry));
    for (const contributor of [this.eventLog, this.ingestion, this.quarantine]) this.registry.register(contributor);
  }
}
