import { CommandBus } from '@nestjs/cqrs';
import { ACCESS_LOG, type AccessLog } from '@concord/access-log';
import { IngestEventsCommand } from '../../apps/hub/src/ingest/ingest-events.command';
import { startTestHub, type TestHub } from './support/test-hub';
import { authHeader } from './support/auth';

const CORRELATION = 'checkout-42';

function orderCreated(id: string, source: string, amount: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    source,
    type: 'order.created',
    subject: { type: 'order', id: 'SO-1001' },
    occurredAt: '2026-11-21T09:00:00Z',
    correlationId: CORRELATION,
    data: { customerId: 'C-1', status: 'OPEN', total: { amount, currency: 'EUR' } },
    ...extra,
  };
}

function statusChanged(id: string, source: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    source,
    type: 'order.status-changed',
    subject: { type: 'order', id: 'SO-1001' },
    occurredAt: '2026-11-21T09:30:00Z',
    correlationId: CORRELATION,
    data: { status },
    ...extra,
  };
}

async function postWithRequestId(hub: TestHub, body: unknown, requestId: string) {
  const response = await hub.app.inject({ method: 'POST', url: '/v1/events', payload: body as object, headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...authHeader() } });
  return JSON.parse(response.body) as { results: Array<{ status: string; position: number }> };
}

describe('audit trail over HTTP', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub();
  });

  afterEach(() => hub.close());

  /** erp creates the order over HTTP (and retries it), crm reports a status over Kafka with a credential, erp changes status with a reason, then a stale erp report. */
  async function tellTheStory(): Promise<void> {
    await postWithRequestId(hub, orderCreated('erp-1', 'erp', 100, { actor: { type: 'user', id: 'alice' }, sourceSequence: 1 }), 'req-create');
    hub.clock.advance(60_000);
    await postWithRequestId(hub, orderCreated('erp-1', 'erp', 100, { actor: { type: 'user', id: 'alice' }, sourceSequence: 1 }), 'req-retry');
    await hub.app.get(CommandBus).execute(
      new IngestEventsCommand([
        {
          payload: statusChanged('crm-1', 'crm', 'pending', { causationId: 'erp-1' }),
          transport: { kind: 'kafka', topic: 'crm.orders', partition: 2, offset: '417', credential: 'key-crm' },
        },
      ]),
    );
    hub.clock.advance(10 * 60_000);
    await postWithRequestId(hub, statusChanged('erp-2', 'erp', 'SHIPPED', { sourceSequence: 3, data: { status: 'SHIPPED', reason: 'picked and packed' }, actor: { type: 'user', id: 'bob' } }), 'req-ship');
    hub.clock.advance(60_000);
    await postWithRequestId(hub, orderCreated('erp-0', 'erp', 90, { sourceSequence: 2 }), 'req-late');
    await hub.settle();
  }

  describe('GET /v1/audit/entities/:type/:id', () => {
    it('tells who did what, when, why and via what for every event, with duplicates and stale reports', async () => {
      await tellTheStory();
      const { status, body } = await hub.get('/v1/audit/entities/order/SO-1001');
      expect(status).toBe(200);
      expect(body.subject).toEqual({ type: 'order', id: 'SO-1001' });
      expect(body.events.map((e: any) => [e.event.id, e.what.outcome])).toEqual([
        ['erp-1', 'applied'],
        ['crm-1', 'applied'],
        ['erp-2', 'applied'],
        ['erp-0', 'stale'],
      ]);
      const [created, crm, shipped, late] = body.events;
      expect(created).toMatchObject({
        event: { id: 'erp-1', type: 'order.created', schemaVersion: 1, position: 1, revision: 0 },
        who: { actor: { type: 'user', id: 'alice' } },
        when: { occurredAt: '2026-11-21T09:00:00Z', recordedAt: '2026-11-21T10:00:00.000Z' },
        why: { reason: null, causationId: null, correlationId: CORRELATION },
        via: { source: 'erp', credential: expect.stringMatching(/^key-/), transport: { kind: 'http', requestId: 'req-create' } },
        duplicates: { count: 1, receipts: [{ receivedAt: '2026-11-21T10:01:00.000Z', transport: { kind: 'http', requestId: 'req-retry' }, credential: expect.stringMatching(/^key-/) }] },
      });
      expect(created.what.changes.map((c: any) => c.path)).toEqual(['customerId', 'status', 'total.amount', 'total.currency']);
      expect(crm).toMatchObject({
        why: { causationId: 'erp-1' },
        via: { source: 'crm', credential: 'key-crm', transport: { kind: 'kafka', topic: 'crm.orders', partition: 2, offset: '417' } },
        what: { changes: [{ path: 'status', kind: 'changed', before: 'OPEN', after: 'pending' }], sourceChanges: [{ path: 'status', kind: 'added', after: 'pending' }] },
        duplicates: { count: 0, receipts: [] },
      });
      expect(shipped).toMatchObject({
        who: { actor: { type: 'user', id: 'bob' } },
        why: { reason: 'picked and packed' },
        what: { changes: [{ path: 'reason', kind: 'added', after: 'picked and packed' }, { path: 'status', kind: 'changed', before: 'pending', after: 'SHIPPED' }] },
      });
      expect(late.what).toEqual({ outcome: 'stale', note: 'stale: not applied (sourceSequence 2 is not newer than 3 already applied from erp)', changes: [], sourceChanges: [] });
      expect(late.event.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('pages long histories with a cursor, and bounds them in time or position', async () => {
      await tellTheStory();
      const first = await hub.get('/v1/audit/entities/order/SO-1001?limit=3');
      expect(first.body.events.map((e: any) => e.event.id)).toEqual(['erp-1', 'crm-1', 'erp-2']);
      const second = await hub.get(`/v1/audit/entities/order/SO-1001?limit=3&cursor=${first.body.nextCursor}`);
      expect(second.body.events.map((e: any) => e.event.id)).toEqual(['erp-0']);
      expect(second.body.events[0].what.outcome).toBe('stale'); // the fold before the page is carried over, not restarted
      expect(second.body.nextCursor).toBeUndefined();
      const ids = async (query: string) => (await hub.get(`/v1/audit/entities/order/SO-1001?${query}`)).body.events.map((e: any) => e.event.id);
      expect(await ids('atPosition=2')).toEqual(['erp-1', 'crm-1']);
      expect(await ids('asOf=2026-11-21T10:01:00Z')).toEqual(['erp-1', 'crm-1']);
      expect(await ids('since=2026-11-21T10:05:00Z')).toEqual(['erp-2', 'erp-0']);
      expect(await ids('since=2026-11-21T10:05:00Z&asOf=2026-11-21T10:11:00Z')).toEqual(['erp-2']);
      expect(await ids('asOf=2000-01-01T00:00:00Z')).toEqual([]);
    });

    it('answers 404 for an entity the log does not know, and 400 with a reason for bad input', async () => {
      await tellTheStory();
      const missing = await hub.get('/v1/audit/entities/order/SO-404');
      expect(missing.status).toBe(404);
      expect(missing.body.message).toContain('SO-404');
      const otherEntity = (await hub.get('/v1/audit/entities/order/SO-1001?limit=1')).body.nextCursor;
      for (const query of ['limit=0', 'limit=100000', 'limit=abc', 'cursor=garbage', `cursor=${Buffer.from('["history:order/SO-1001",-1]').toString('base64url')}`, 'since=yesterday', 'asOf=soon', 'atPosition=-1', 'atPosition=1&asOf=2026-11-21T10:00:00Z', 'nope=1']) {
        const response = await hub.get(`/v1/audit/entities/order/SO-1001?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        expect(typeof response.body.message === 'string' || Array.isArray(response.body.message)).toBe(true);
      }
      expect((await hub.get(`/v1/audit/entities/order/SO-9?cursor=${otherEntity}`)).status).toBe(400);
      expect((await hub.get('/v1/audit/entities/Order-X/1')).status).toBe(400);
    });
  });

  describe('GET /v1/audit/entities/:type/:id/lineage', () => {
    it('names the event and source that set the current value, what it replaced, earlier values, and each source’s value', async () => {
      await postWithRequestId(hub, orderCreated('erp-1', 'erp', 100), 'r1');
      hub.clock.advance(1000);
      await postWithRequestId(hub, orderCreated('crm-1', 'crm', 120), 'r2');
      hub.clock.advance(1000);
      await postWithRequestId(hub, orderCreated('erp-2', 'erp', 95, { actor: { type: 'user', id: 'carol' } }), 'r3');
      await postWithRequestId(hub, statusChanged('erp-3', 'erp', 'DONE'), 'r4');
      await hub.settle();
      const { status, body } = await hub.get('/v1/audit/entities/order/SO-1001/lineage?field=total.amount');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        subject: { type: 'order', id: 'SO-1001' },
        field: 'total.amount',
        current: { present: true, value: 95 },
        changes: 3,
        sources: {
          crm: { present: true, value: 120, setBy: { eventId: 'crm-1', source: 'crm' } },
          erp: { present: true, value: 95, setBy: { eventId: 'erp-2' }, replaced: { present: true, value: 100 } },
        },
        notApplied: [],
      });
      expect(body.chain.map((c: any) => [c.value, c.setBy.eventId, c.setBy.source, c.replaced])).toEqual([
        [95, 'erp-2', 'erp', { present: true, value: 120 }],
        [120, 'crm-1', 'crm', { present: true, value: 100 }],
        [100, 'erp-1', 'erp', { present: false }],
      ]);
      expect(body.chain[0].setBy).toMatchObject({ actor: { type: 'user', id: 'carol' }, position: 3, recordedAt: '2026-11-21T10:00:02.000Z' });
      const short = await hub.get('/v1/audit/entities/order/SO-1001/lineage?field=total.amount&limit=1');
      expect(short.body.chain).toHaveLength(1);
      expect(short.body.changes).toBe(3);
      const then = await hub.get('/v1/audit/entities/order/SO-1001/lineage?field=total.amount&atPosition=2');
      expect(then.body.current).toEqual({ present: true, value: 120 });
    });

    it('refuses bad field paths, and answers 404 for unknown entities and fields', async () => {
      await postWithRequestId(hub, orderCreated('erp-1', 'erp', 100), 'r1');
      await hub.settle();
      for (const query of ['', 'field=', 'field=a..b', 'field=total.amount.', "field=x')--", `field=${'a.'.repeat(8)}a`, 'field=total.amount&limit=501', 'field=total.amount&cursor=x']) {
        const response = await hub.get(`/v1/audit/entities/order/SO-1001/lineage?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
      }
      expect((await hub.get('/v1/audit/entities/order/SO-404/lineage?field=status')).status).toBe(404);
      const unknownField = await hub.get('/v1/audit/entities/order/SO-1001/lineage?field=total.tax');
      expect(unknownField.status).toBe(404);
      expect(unknownField.body.message).toContain('total.tax');
    });
  });

  describe('GET /v1/audit/flows/:correlationId', () => {
    async function checkout(): Promise<void> {
      const step = (envelope: Record<string, unknown>, afterMs: number) => {
        hub.clock.advance(afterMs);
        return postWithRequestId(hub, envelope, `req-${envelope.id as string}`);
      };
      await step(orderCreated('erp-1', 'erp', 100), 0);
      await step({ ...statusChanged('noise-1', 'erp', 'X'), correlationId: 'another-flow', subject: { type: 'order', id: 'SO-2' } }, 1000);
      await step({ id: 'inv-1', source: 'billing', type: 'invoice.issued', subject: { type: 'invoice', id: 'INV-1' }, occurredAt: '2026-11-21T09:05:00Z', correlationId: CORRELATION, causationId: 'erp-1', data: { orderId: 'SO-1001', amount: 100, currency: 'EUR', dueDate: '2026-12-21' } }, 30_000);
      await step({ id: 'pay-1', source: 'bank', type: 'payment.received', subject: { type: 'payment', id: 'PAY-1' }, occurredAt: '2026-11-21T09:45:00Z', correlationId: CORRELATION, causationId: 'inv-1', data: { invoiceId: 'INV-1', amount: 100, currency: 'EUR' } }, 40 * 60_000);
      await step(statusChanged('erp-2', 'erp', 'PAID', { data: { status: 'PAID', reason: 'payment matched' } }), 2000);
      await hub.settle();
    }

    it('follows one story across entities and systems in log order and flags the long pause', async () => {
      await checkout();
      const { status, body } = await hub.get(`/v1/audit/flows/${CORRELATION}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        correlationId: CORRELATION,
        steps: 4,
        subjects: ['order/SO-1001', 'invoice/INV-1', 'payment/PAY-1'],
        sources: ['erp', 'billing', 'bank'],
        gapThresholdMs: 300_000,
        durationMs: 1000 + 30_000 + 40 * 60_000 + 2000,
        firstPosition: 1,
        lastPosition: 5,
        indexedThrough: 5,
      });
      expect(body.items.map((s: any) => [s.step, s.eventId, s.subject.type, s.source, s.sincePreviousMs, s.gap])).toEqual([
        [1, 'erp-1', 'order', 'erp', null, false],
        [2, 'inv-1', 'invoice', 'billing', 31_000, false],
        [3, 'pay-1', 'payment', 'bank', 40 * 60_000, true],
        [4, 'erp-2', 'order', 'erp', 2000, false],
      ]);
      expect(body.items[2]).toMatchObject({ causationId: 'inv-1', occurredSincePreviousMs: 40 * 60_000, transport: { kind: 'http', requestId: 'req-pay-1' }, credential: expect.stringMatching(/^key-/) });
      expect(body.items[3].reason).toBe('payment matched');
      const strict = await hub.get(`/v1/audit/flows/${CORRELATION}?gapMs=10000`);
      expect(strict.body.items.map((s: any) => s.gap)).toEqual([false, true, true, false]);
    });

    it('pages a flow with a cursor, and refuses bad input', async () => {
      await checkout();
      const first = await hub.get(`/v1/audit/flows/${CORRELATION}?limit=3`);
      const second = await hub.get(`/v1/audit/flows/${CORRELATION}?limit=3&cursor=${first.body.nextCursor}`);
      expect([...first.body.items, ...second.body.items].map((s: any) => s.eventId)).toEqual(['erp-1', 'inv-1', 'pay-1', 'erp-2']);
      expect(second.body.items[0].gap).toBe(false);
      expect(second.body.nextCursor).toBeUndefined();
      expect((await hub.get('/v1/audit/flows/no-such-flow')).status).toBe(404);
      for (const query of ['limit=0', 'limit=501', 'cursor=%%%', `cursor=${first.body.nextCursor}x`, 'gapMs=0', 'gapMs=-1', 'gapMs=soon', 'sort=desc']) {
        const response = await hub.get(`/v1/audit/flows/${CORRELATION}?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
      }
      expect((await hub.get(`/v1/audit/flows/another-flow?cursor=${first.body.nextCursor}`)).status).toBe(400);
    });
  });

  describe('GET /v1/audit/access-log', () => {
    it('records every call to an audit endpoint, whatever its outcome, and lists them newest first', async () => {
      await tellTheStory();
      const calls = ['/v1/audit/entities/order/SO-1001', '/v1/audit/entities/order/SO-404', '/v1/audit/entities/order/SO-1001?limit=0', `/v1/audit/flows/${CORRELATION}`, '/v1/audit/no-such-route'];
      const statuses: number[] = [];
      for (const url of calls) {
        hub.clock.advance(1000);
        statuses.push((await hub.app.inject({ method: 'GET', url, headers: { 'x-request-id': `audit-${statuses.length}`, ...authHeader() } })).statusCode);
      }
      expect(statuses).toEqual([200, 404, 400, 200, 404]);
      const adminKeyId = (await hub.get('/v1/keys')).body.keys.find((k: any) => k.role === 'admin').id;
      await hub.get('/v1/entities/order/SO-1001'); // not an audit endpoint: not recorded
      const { status, body } = await hub.get('/v1/audit/access-log');
      expect(status).toBe(200);
      expect(body.items.map((r: any) => [r.url, r.status, r.requestId])).toEqual(calls.map((url, i) => [url, statuses[i], `audit-${i}`]).reverse());
      expect(body.items[0]).not.toHaveProperty('route');
      expect(body.items[1]).toEqual({
        seq: 4,
        at: '2026-11-21T10:12:04.000Z', // the story took 12 minutes, then one second per call
        principal: adminKeyId,
        role: 'admin',
        requestId: 'audit-3',
        ip: '127.0.0.1',
        method: 'GET',
        route: '/v1/audit/flows/:correlationId',
        url: `/v1/audit/flows/${CORRELATION}`,
        status: 200,
      });
      // The listing itself was recorded too.
      const again = await hub.get('/v1/audit/access-log?limit=1');
      expect(again.body.items[0]).toMatchObject({ route: '/v1/audit/access-log', url: '/v1/audit/access-log', status: 200 });
    });

    it('pages and filters by principal and time, and refuses bad input', async () => {
      for (let i = 0; i < 5; i++) {
        hub.clock.advance(60_000);
        await hub.get(`/v1/audit/entities/order/SO-${i}`);
      }
      const page1 = await hub.get('/v1/audit/access-log?limit=2');
      const page2 = await hub.get(`/v1/audit/access-log?limit=2&cursor=${page1.body.nextCursor}`);
      expect([...page1.body.items, ...page2.body.items].map((r: any) => r.url)).toEqual(['/v1/audit/entities/order/SO-4', '/v1/audit/entities/order/SO-3', '/v1/audit/entities/order/SO-2', '/v1/audit/entities/order/SO-1']);
      const since = await hub.get('/v1/audit/access-log?since=2026-11-21T10:04:00Z&limit=500');
      expect(since.body.items.map((r: any) => r.url)).toEqual([
        `/v1/audit/access-log?limit=2&cursor=${page1.body.nextCursor}`,
        '/v1/audit/access-log?limit=2',
        '/v1/audit/entities/order/SO-4',
        '/v1/audit/entities/order/SO-3',
      ]);
      const adminKeyId = (await hub.get('/v1/keys')).body.keys.find((k: any) => k.role === 'admin').id;
      expect((await hub.get(`/v1/audit/access-log?principal=${adminKeyId}&limit=500`)).body.items.length).toBeGreaterThanOrEqual(7);
      expect((await hub.get('/v1/audit/access-log?principal=key-nobody')).body.items).toEqual([]);
      for (const query of ['limit=0', 'limit=100000', 'cursor=garbage', 'since=later', 'principal=', 'who=me']) {
        const response = await hub.get(`/v1/audit/access-log?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
      }
    });

    it('withholds audit data when its access cannot be recorded', async () => {
      await tellTheStory();
      await hub.app.get<symbol, AccessLog>(ACCESS_LOG, { strict: false }).close();
      const response = await hub.get('/v1/audit/entities/order/SO-1001');
      expect(response.status).toBe(503);
      expect(response.body.message).toContain('audit access log could not record');
      expect(response.text).not.toContain('erp-1');
      expect((await hub.get('/v1/entities/order/SO-1001')).status).toBe(200);
    });
  });

  describe('who is named in the access log', () => {
    it('is the API key that made the call (its id and role, never the key), and anonymous for a call without a key', async () => {
      const created = await hub.post('/v1/keys', { role: 'auditor', name: 'external auditor' });
      expect(created.status).toBe(201);
      const auditorKey: string = created.body.key;
      const auditorId: string = created.body.id;
      const asAuditor = { authorization: `Bearer ${auditorKey}` };
      expect((await hub.app.inject({ method: 'GET', url: '/v1/audit/flows/f-1', headers: asAuditor })).statusCode).toBe(404);
      expect((await hub.app.inject({ method: 'GET', url: '/v1/audit/flows/f-2' })).statusCode).toBe(401);
      const listed = await hub.app.inject({ method: 'GET', url: `/v1/audit/access-log?principal=${auditorId}`, headers: asAuditor });
      expect(JSON.parse(listed.body).items).toEqual([expect.objectContaining({ principal: auditorId, role: 'auditor', url: '/v1/audit/flows/f-1', status: 404 })]);
      expect(listed.body).not.toContain(auditorKey);
      const anonymous = await hub.get('/v1/audit/access-log?principal=anonymous');
      expect(anonymous.body.items.map((r: any) => [r.url, r.status])).toEqual([['/v1/audit/flows/f-2', 401]]);
    });
  });
});
