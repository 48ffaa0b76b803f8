import { parsePrometheus, sumBy } from '../logic/prometheus';
import type { Api } from './http';

/** Ingestion counters by source, from the Prometheus endpoint (`GET /metrics`). */
export interface IngestionCounters {
  readonly at: number;
  readonly received: Readonly<Record<string, number>>;
  readonly appended: Readonly<Record<string, number>>;
  readonly rejected: Readonly<Record<string, number>>;
}

export async function ingestionCounters(api: Api, now: () => number = Date.now): Promise<IngestionCounters> {
  const samples = parsePrometheus(await api.text('/metrics'), (name) => name.startsWith('concord_events_'));
  return {
    at: now(),
    received: sumBy(samples, 'concord_events_received_total', 'source'),
    appended: sumBy(samples, 'concord_events_appended_total', 'source'),
    rejected: sumBy(samples, 'concord_events_rejected_total', 'source'),
  };
}
