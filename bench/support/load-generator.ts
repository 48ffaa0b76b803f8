import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from './stats';
import { BENCH_AUTH } from './hub-process';

/** What the benchmark asks one load-generator process to do. */
export interface LoadPlan {
  readonly url: string;
  readonly runId: string;
  readonly clients: number;
  readonly eventsPerRequest: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** `orders` (default): order events, no personal data; `customers`: customer.upserted with personal fields, sealed at ingest. */
  readonly workload?: 'orders' | 'customers';
}

export interface LoadReport {
  readonly events: number;
  readonly requests: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every event acknowledged as appended, warm-up included: the hub's head must equal it. */
  readonly acknowledged: number;
  readonly failures: number;
}

const ORDERS = 20_000;

/** A realistic mix: every fourth event creates an order, the others change an order's status. */
function eventJson(runId: string, client: number, sequence: number): string {
  const order = (sequence * 7919 + client * 104_729) % ORDERS;
  const id = `${runId}-${client}-${sequence}`;
  const head = `{"id":"${id}","source":"erp","subject":{"type":"order","id":"SO-${order}"},"occurredAt":"2026-11-21T10:00:00Z","sourceSequence":${sequence},"correlationId":"flow-${order}",`;
  return sequence % 4 === 0
    ? `${head}"type":"order.created","data":{"customerId":"C-${order % 997}","status":"OPEN","total":{"amount":${(order % 1000) + 0.5},"currency":"EUR"}}}`
    : `${head}"type":"order.status-changed","data":{"status":"S${sequence % 5}","reason":"step ${sequence % 7}"}}`;
}

const CUSTOMERS = 20_000;

/** A CRM reporting customers: name, e-mail and phone are personal (three sealed fields), status and country are not. */
function customerJson(runId: string, client: number, sequence: number): string {
  const customer = (sequence * 7919 + client * 104_729) % CUSTOMERS;
  return (
    `{"id":"${runId}-${client}-${sequence}","source":"crm","type":"customer.upserted","subject":{"type":"customer","id":"C-${customer}"},` +
    `"occurredAt":"2026-11-21T10:00:00Z","data":{"name":"Customer ${customer}","email":"c${customer}@example.com","phone":"+44 20 7946 ${String(customer).padStart(5, '0')}",` +
    `"status":"S${sequence % 5}","country":"GB"}}`
  );
}

function bodyFor(plan: LoadPlan, client: number, firstSequence: number): string {
  const json = plan.workload === 'customers' ? customerJson : eventJson;
  if (plan.eventsPerRequest === 1) return json(plan.runId, client, firstSequence);
  const events: string[] = [];
  for (let i = 0; i < plan.eventsPerRequest; i++) events.push(json(plan.runId, client, firstSequence + i));
  return `{"events":[${events.join(',')}]}`;
}

/** Drives the hub with `clients` closed-loop clients (each sends its next request when the last was answered). */
export async function runLoad(plan: LoadPlan): Promise<LoadReport> {
  const pool = new Pool(plan.url, { connections: plan.clients, pipelining: 1 });
  const started = performance.now();
  const measureFrom = started + plan.warmupMs;
  const stopAt = measureFrom + plan.durationMs;
  const latencies: number[] = [];
  let events = 0;
  let requests = 0;
  let acknowledged = 0;
  let failures = 0;

  const client = async (index: number) => {
    let sequence = 0;
    while (performance.now() < stopAt) {
      const body = bodyFor(plan, index, sequence);
      sequence += plan.eventsPerRequest;
      const sentAt = performance.now();
      const headers = { 'content-type': 'application/json', 'x-bench-events': String(plan.eventsPerRequest), ...BENCH_AUTH };
      const response = await pool.request({ path: '/v1/events', method: 'POST', headers, body });
      const text = await response.body.text();
      const answeredAt = performance.now();
      let appended = 0;
      if (response.statusCode === 200) {
        const results = (JSON.parse(text) as { results: Array<{ status: string }> }).results;
        for (const result of results) if (result.status === 'appended') appended++;
      }
      acknowledged += appended;
      if (appended !== plan.eventsPerRequest) {
        failures++;
        if (failures <= 3) console.error(`load generator: unexpected answer ${response.statusCode}: ${text.slice(0, 300)}`);
      }
      if (sentAt >= measureFrom && answeredAt <= stopAt) {
        latencies.push(answeredAt - sentAt);
        events += appended;
        requests++;
      }
    }
  };

  await Promise.all(Array.from({ length: plan.clients }, (_, i) => client(i)));
  await pool.close();
  latencies.sort((a, b) => a - b);
  const seconds = plan.durationMs / 1000;
  return {
    events,
    requests,
    seconds,
    eventsPerSecond: events / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    acknowledged,
    failures,
  };
}

// Run as a child process: receive one plan, answer with one report, exit.
if (require.main === module) {
  process.once('message', (plan: LoadPlan) => {
    runLoad(plan).then(
      (report) => process.send!(report, () => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
