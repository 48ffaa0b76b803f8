import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Label values from client input are bounded: a value must look right and
 * only the first `max` distinct ones get their own series, so a caller cannot
 * blow up the metrics store with made-up sources or types.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly pattern: RegExp,
    private readonly max = 200,
  ) {}

  of(value: unknown): string {
    if (typeof value !== 'string' || !this.pattern.test(value)) return 'invalid';
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** The hub's own Prometheus registry (not prom-client's global one, so several hubs can live in one test process). */
@Injectable()
export class HubMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({ name: 'concord_events_received_total', help: 'Candidate events received, by source and type', labelNames: ['source', 'type'], registers: [this.registry] });
  readonly appended = new Counter({ name: 'concord_events_appended_total', help: 'Events newly stored in the log', labelNames: ['source', 'type'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'concord_events_duplicate_total', help: 'Deliveries of events stored before (same id, same content)', labelNames: ['source', 'type'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'concord_events_rejected_total', help: 'Refused candidate events (kept in quarantine), by source, type and reason', labelNames: ['source', 'type', 'reason'], registers: [this.registry] });
  readonly appendSeconds = new Histogram({
    name: 'concord_append_duration_seconds',
    help: 'Time from handing a request to the event log until it is durably committed (includes waiting for the group commit)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({ name: 'concord_http_requests_total', help: 'HTTP requests by route pattern and status code', labelNames: ['method', 'route', 'status'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
