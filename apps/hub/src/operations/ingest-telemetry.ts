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
    // Counted per label set first: a batch is mostly one source and type, and each labelled inc costs a label hash.
    const tally = new Tally();
    const debug = this.logger.isLevelEnabled('debug');
    results.forEach((result, index) => {
      const item = items[index]!;
      const rawSource = field(item.payload, 'source');
      const source = this.sources.of(rawSource);
      const rawType = field(item.payload, 'type');
      const type = rawType !== undefined && this.contracts.latest(rawType) ? rawType : 'unknown';
      const reason = result.status === 'rejected' ? result.reason : '';
      tally.add(result.status, source, type, reason);
      if (result.status !== 'rejected' && !debug) return;
      const context = {
        requestId: requestIdOf(item.transport),
        eventId: result.id,
        source: rawSource,
        type: rawType,
        correlationId: field(item.payload, 'correlationId'),
        transport: item.transport.kind,
      };
      if (result.status === 'rejected') this.logger.warn({ ...context, reason, quarantineId: result.quarantineId }, `event refused: ${result.reason}`);
      else this.logger.debug({ ...context, position: result.position, stream: result.stream }, `event ${result.status}`);
    });
    let appended = 0;
    let duplicates = 0;
    let rejected = 0;
    for (const { status, source, type, reason, count } of tally.entries()) {
      this.metrics.received.inc({ source, type }, count);
      if (status === 'rejected') {
        rejected += count;
        this.metrics.rejected.inc({ source, type, reason }, count);
      } else if (status === 'appended') {
        appended += count;
        this.metrics.appended.inc({ source, type }, count);
      } else {
        duplicates += count;
        this.metrics.duplicates.inc({ source, type }, count);
      }
    }
    if (appended + duplicates > 0) this.metrics.appendSeconds.observe(appendSeconds);
    this.receivedRate.add(now, results.length);
    if (appended) this.appendedRate.add(now, appended);
    if (duplicates) this.duplicateRate.add(now, duplicates);
    if (rejected) this.rejectedRate.add(now, rejected);
  }
}

interface TallyEntry {
  readonly status: IngestResult['status'];
  readonly source: string;
  readonly type: string;
  /** '' unless rejected. */
  readonly reason: string;
  count: number;
}

/** Outcomes of one ingestion counted per metric label set. */
class Tally {
  private readonly byKey = new Map<string, TallyEntry>();

  add(status: TallyEntry['status'], source: string, type: string, reason: string): void {
    // Labels are bounded and never contain a NUL (sources and types are patterns, reasons an enum).
    const key = `${status}\u0000${source}\u0000${type}\u0000${reason}`;
    const entry = this.byKey.get(key);
    if (entry) entry.count++;
    else this.byKey.set(key, { status, source, type, reason, count: 1 });
  }

  entries(): IterableIterator<TallyEntry> {
    return this.byKey.values();
  }
}
