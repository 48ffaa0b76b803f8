import { PassThrough } from 'node:stream';
import { ManualClock } from '@concord/common';
import { HubStatusRegistry, type HubStatusContributor } from '../../apps/hub/src/operations/hub-status';
import { anOrderCreated } from './support/events';
import { startSecuredHub, TEST_ADMIN_KEY, type SecuredHub } from './support/secured-hub';

describe('metrics, status and health', () => {
  let hub: SecuredHub;
  beforeEach(async () => {
    hub = await startSecuredHub();
  });
  afterEach(() => hub.close());

  const publish = (events: unknown[]) => hub.inject({ method: 'POST', url: '/v1/events', payload: { events } });

  it('GET /metrics counts received/appended/duplicate/rejected by source and type, append latency, group commits and quarantine size', async () => {
    await publish([anOrderCreated({ id: 'a' }), anOrderCreated({ id: 'b', subject: { type: 'order', id: 'SO-2' } })]);
    await publish([anOrderCreated({ id: 'a' }), anOrderCreated({ id: 'c', type: 'order.unknown' })]);
    const response = await hub.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toContain('concord_events_received_total{source="erp",type="order.created"} 3');
    expect(text).toContain('concord_events_received_total{source="erp",type="unknown"} 1');
    expect(text).toContain('concord_events_appended_total{source="erp",type="order.created"} 2');
    expect(text).toContain('concord_events_duplicate_total{source="erp",type="order.created"} 1');
    expect(text).toContain('concord_events_rejected_total{source="erp",type="unknown",reason="unknown-type"} 1');
    expect(text).toMatch(/concord_append_duration_seconds_count 2/);
    // 2 new, then 1 duplicate: the unknown type never reaches the log.
    expect(text).toMatch(/concord_group_commit_events_sum 3/);
    expect(text).toContain('concord_quarantine_items{status="open"} 1');
    expect(text).toContain('concord_event_log_head_position 2');
    expect(text).toMatch(/concord_http_requests_total\{method="POST",route="\/v1\/events",status="200"\} 2/);
  });

  it('label values from clients are bounded: made-up sources are not series of their own', async () => {
    await publish([anOrderCreated({ id: 'x', source: 'NOT A SOURCE' })]);
    const text = (await hub.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('concord_events_rejected_total{source="invalid",type="order.created",reason="invalid-envelope"} 1');
    expect(text).not.toContain('NOT A SOURCE');
  });

  it('GET /v1/status gives one severity with a section per capability', async () => {
    const quiet = (await hub.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(quiet).toMatchObject({ severity: 'ok', attention: [], sections: { 'event-log': { severity: 'ok' }, ingestion: { severity: 'ok' }, quarantine: { severity: 'ok' } } });
    await publish([anOrderCreated({ id: 'bad', type: 'order.unknown' })]);
    const after = (await hub.inject({ method: 'GET', url: '/v1/status' })).json();
    expect(after.severity).toBe('warning');
    expect(after.sections.quarantine).toMatchObject({ severity: 'warning', details: { open: 1, newLastHour: 1 } });
    expect(after.sections.ingestion).toMatchObject({ severity: 'warning', details: { perMinuteLast5m: { rejected: 0.2 } } });
    expect(after.attention).toEqual(expect.arrayContaining([expect.stringContaining('quarantine: the quarantine grew by 1')]));
  });

  it('GET /health/live and /health/ready answer without a key; /health keeps working', async () => {
    expect((await hub.inject({ method: 'GET', url: '/health/live', key: null })).json()).toEqual({ status: 'ok' });
    const ready = await hub.inject({ method: 'GET', url: '/health/ready', key: null });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', info: { 'event-log': { status: 'up' } } });
    expect((await hub.inject({ method: 'GET', url: '/health', key: null })).json()).toMatchObject({ status: 'ok', store: 'writable' });
  });

  it('a registered contributor (e.g. a new capability) can degrade readiness and status, and push back on ingestion', async () => {
    const lagging: HubStatusContributor = {
      name: 'fake-capability',
      readiness: async () => ({ ready: false, reason: 'projection entity-view is 90 s behind (limit 30 s)' }),
      status: async () => ({ severity: 'critical', summary: 'entity-view is 90 s behind' }),
      ingestionPressure: () => ({ overloaded: true, reason: 'projection lag over its limit', retryAfterSeconds: 7 }),
    };
    hub.app.get(HubStatusRegistry).register(lagging);

    const ready = await hub.inject({ method: 'GET', url: '/health/ready', key: null });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'error', error: { 'fake-capability': { status: 'down', reason: expect.stringContaining('90 s behind') } } });
    expect((await hub.inject({ method: 'GET', url: '/v1/status' })).json()).toMatchObject({ severity: 'critical', sections: { 'fake-capability': { severity: 'critical' } } });

    const refused = await publish([anOrderCreated()]);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('7');
    expect(refused.json()).toMatchObject({ reason: 'backpressure', message: 'projection lag over its limit' });
    expect((await hub.inject({ method: 'GET', url: '/health' })).json().headPosition).toBe(0);
  });
});

describe('rate limits per key', () => {
  it('answers 429 with Retry-After once a key spent its burst, per key, refilled by the (injected) clock', async () => {
    const clock = new ManualClock('2026-11-21T10:00:00Z');
    const hub = await startSecuredHub({ env: { CONCORD_RATE_LIMIT_ANALYST: '1:2' }, runtime: { clock } });
    const analyst = await hub.keyFor('analyst');
    const other = await hub.keyFor('analyst');
    const read = (key: string) => hub.inject({ method: 'GET', url: '/v1/quarantine', key });
    expect((await read(analyst)).statusCode).toBe(200);
    expect((await read(analyst)).statusCode).toBe(200);
    const limited = await read(analyst);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect((await read(other)).statusCode).toBe(200);
    expect((await hub.inject({ method: 'GET', url: '/v1/quarantine', key: TEST_ADMIN_KEY })).statusCode).toBe(200);
    clock.advance(1000);
    expect((await read(analyst)).statusCode).toBe(200);
    await hub.close();
  });
});

describe('structured logs', () => {
  it('writes JSON lines with request id, event id, source and correlation id, and never a key or a payload', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const hub = await startSecuredHub({ env: { CONCORD_LOG_LEVEL: 'debug' }, runtime: { logDestination: stream } });
    const connector = await hub.keyFor('connector', ['erp']);
    await hub.inject({
      method: 'POST',
      url: '/v1/events',
      key: connector,
      headers: { 'x-request-id': 'req-42' },
      payload: { events: [anOrderCreated({ correlationId: 'flow-7', data: { customerId: 'C-very-private', status: 'OPEN', total: { amount: 1, currency: 'EUR' } } }), anOrderCreated({ id: 'bad', type: 'order.unknown' })] },
    });
    await hub.close();
    await new Promise((resolve) => setImmediate(resolve));
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((l) => l.msg === 'event appended')).toMatchObject({ requestId: 'req-42', eventId: 'erp-evt-1', source: 'erp', type: 'order.created', correlationId: 'flow-7', level: 'debug' });
    expect(parsed.find((l) => l.msg === 'event refused: unknown-type')).toMatchObject({ requestId: 'req-42', eventId: 'bad', source: 'erp', level: 'warn', quarantineId: expect.any(String) });
    expect(parsed.find((l) => l.msg === 'request')).toMatchObject({ requestId: 'req-42', route: '/v1/events', status: 200, credential: expect.stringMatching(/^key-/) });
    const all = lines.join('\n');
    expect(all).not.toContain(connector);
    expect(all).not.toContain(TEST_ADMIN_KEY);
    expect(all).not.toContain('C-very-private');
  });
});
