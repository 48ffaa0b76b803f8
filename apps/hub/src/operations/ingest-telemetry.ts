import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { SOURCE_NAME, type ContractRegistry } from '@concord/contracts';
import type { Transport } from '@concord/event-store';
import type { IngestItem, IngestObserver, IngestResult } from '../ingest/ingest-events.command';
import { HUB_LOGGER, type HubLogger } from '../logging/hub-logger';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { BoundedLabel, HubMetrics } from './hub-metrics';
import { RateWindow } from './rate-window';

function field(payload: unknown, name: string): string | undefined {
  const value = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value.length <= 200 && !/[\u0000-\u001f\u007f]/.test(value) ? value : undefined;
}

function requestIdOf(transport: Transport): string | undefined {
  return 'requestId' in transport ? transport.requestId : undefined;
}

/**
 * Watches every ingestion (whatever the transport): Prometheus counters,
 * per-minute rates for the status answer, and one log line per refused event
 * (debug for stored ones) with request id, event id, source, type and
 * correlation id, never the payload.
 */
@Injectable()
export class IngestTelemetry implements IngestObserver {
  readonly receivedRate = new RateWindow();
  readonly appendedRate = new RateWindow();
  readonly duplicateRate = new RateWindow();
  readonly rejectedRate = new RateWindow();
  private readonly sources = new BoundedLabel(SOURCE_NAME);

  constructor(
    private readonly metrics: HubMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONTRACT_REGISTRY) private readonly contracts: ContractRegistry,
    @Inject(HUB_LOGGER) private readonly logger: HubLogger,
  ) {}

  observe({ items, results, appendSeconds }: { items: readonly IngestItem[]; results: readonly IngestResult[]; appendSeconds: number }): void {
    const now = this.clock.now().getTime();
    let appended = 0;
    let duplicates = 0;
    let rejected = 0;
    results.forEach((result, index) => {
      const item = items[index]!;
      const source = this.sources.of(field(item.payload, 'source'));
      const rawType = field(item.payload, 'type');
      const type = rawType !== undefined && this.contracts.latest(rawType) ? rawType : 'unknown';
      this.metrics.received.inc({ source, type });
      const context = {
        requestId: requestIdOf(item.transport),
        eventId: result.id,
        source: field(item.payload, 'source'),
        type: rawType,
        correlationId: field(item.payload, 'correlationId'),
        transport: item.transport.kind,
      };
      if (result.status === 'rejected') {
        rejected++;
        this.metrics.rejected.inc({ source, type, reason: result.reason });
        this.logger.warn({ ...context, reason: result.reason, quarantineId: result.quarantineId }, `event refused: ${result.reason}`);
        return;
      }
      if (result.status === 'appended') appended++;
      else duplicates++;
      (result.status === 'appended' ? this.metrics.appended : this.metrics.duplicates).inc({ source, type });
      this.logger.debug({ ...context, position: result.position, stream: result.stream }, `event ${result.status}`);
    });
    if (appended + duplicates > 0) this.metrics.appendSeconds.observe(appendSeconds);
    this.receivedRate.add(now, results.length);
    if (appended) this.appendedRate.add(now, appended);
    if (duplicates) this.duplicateRate.add(now, duplicates);
    if (rejected) this.rejectedRate.add(now, rejected);
  }
}
