import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { EVENT_STORE, hasTelemetry, type EventStore } from '@concord/event-store';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import type { HubStatusContributor, Pressure, Readiness, StatusSection } from './hub-status';

/** The event log's part in operations: writable (readiness), write-queue backpressure, group-commit metrics. */
@Injectable()
export class EventLogContributor implements HubStatusContributor, OnModuleDestroy {
  readonly name = 'event-log';
  private unsubscribe?: () => void;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
  ) {}

  private pending(): number | undefined {
    return hasTelemetry(this.store) ? this.store.pendingEvents() : undefined;
  }

  ingestionPressure(): Pressure {
    const pending = this.pending();
    if (pending === undefined || pending < this.config.CONCORD_MAX_PENDING_EVENTS) return { overloaded: false };
    return {
      overloaded: true,
      statusCode: 503,
      retryAfterSeconds: 1,
      reason: `the event log's write queue holds ${pending} events (limit ${this.config.CONCORD_MAX_PENDING_EVENTS}); nothing was accepted, retry later`,
    };
  }

  async readiness(): Promise<Readiness> {
    try {
      await this.store.checkWritable();
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  async status(): Promise<StatusSection> {
    const readiness = await this.readiness();
    const pending = this.pending();
    const details = { writable: readiness.ready, headPosition: await this.store.headPosition(), pendingEvents: pending, pendingLimit: this.config.CONCORD_MAX_PENDING_EVENTS };
    if (!readiness.ready) return { severity: 'critical', summary: `the event log cannot take writes: ${readiness.reason}`, details };
    if (this.ingestionPressure().overloaded) return { severity: 'warning', summary: 'the write queue is over its limit: ingestion answers 503 with Retry-After', details };
    return { severity: 'ok', summary: 'the event log takes durable writes', details };
  }

  registerMetrics(registry: Registry): void {
    const store = this.store;
    new Gauge({ name: 'concord_event_log_pending_events', help: 'Events waiting for the next group commit', registers: [registry], collect() { this.set(hasTelemetry(store) ? store.pendingEvents() : 0); } });
    new Gauge({ name: 'concord_event_log_head_position', help: 'Position of the newest event in the log', registers: [registry], async collect() { this.set(await store.headPosition()); } });
    if (!hasTelemetry(store)) return;
    const batchEvents = new Histogram({ name: 'concord_group_commit_events', help: 'Events per group commit', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000], registers: [registry] });
    const batchRequests = new Histogram({ name: 'concord_group_commit_requests', help: 'Append requests per group commit', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers: [registry] });
    const commitSeconds = new Histogram({ name: 'concord_group_commit_duration_seconds', help: 'Time one group commit transaction takes, fsync included', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] });
    this.unsubscribe = store.onCommit(({ events, requests, seconds }) => {
      batchEvents.observe(events);
      batchRequests.observe(requests);
      commitSeconds.observe(seconds);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
