import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { READ_MODEL_STORE, type Doc, type ReadModelStore } from '@concord/projections';
import { FlowSweeper } from '../../apps/hub/src/flows/flow-sweeper';
import { FLOW_ACTIVE, FLOW_EXPECTATIONS } from '../../apps/hub/src/flows/flows.projection';
import { IngestEventsCommand } from '../../apps/hub/src/ingest/ingest-events.command';
import { CommandBus } from '@nestjs/cqrs';
import { anOrderCreated } from './support/events';
import { startTestHub, testReadModelBackends, type TestHub } from './support/test-hub';

const RULES = resolve(__dirname, '../../config/flows.yaml');
const MINUTE = 60_000;

const erpOrder = (id: string, order: string, occurredAt: string, extra: Record<string, unknown> = {}) => anOrderCreated({ id, subject: { type: 'order', id: order }, occurredAt, ...extra });
const crmOrder = (id: string, order: string, occurredAt: string) => anOrderCreated({ id, source: 'crm', subject: { type: 'order', id: order }, occurredAt, data: { customerId: 'C-1', status: 'open', total: { amount: 10, currency: 'EUR' } } });
const invoice = (id: string, invoiceId: string, amount: number, dueDate: string, occurredAt: string) => ({
  id,
  source: 'billing',
  type: 'invoice.issued',
  subject: { type: 'invoice', id: invoiceId },
  occurredAt,
  data: { orderId: 'SO-1', amount, currency: 'EUR', dueDate },
});
const payment = (id: string, invoiceId: string, amount: number, occurredAt: string) => ({
  id,
  source: 'billing',
  type: 'payment.received',
  subject: { type: 'payment', id: `PAY-${id}` },
  occurredAt,
  data: { invoiceId, amount, currency: 'EUR' },
});

/** Every document of the flows read model, for live-versus-rebuilt comparisons. */
async function flowDocuments(hub: TestHub): Promise<Record<string, Doc>> {
  const store = hub.app.get<ReadModelStore>(READ_MODEL_STORE);
  const out: Record<string, Doc> = {};
  for (const collection of [FLOW_EXPECTATIONS, FLOW_ACTIVE]) {
    for (const item of (await store.query(collection, { limit: 500 })).items) out[`${collection}/${item.key}`] = item.doc;
  }
  return out;
}

describe.each(testReadModelBackends('stuck flows e2e'))('stuck flows over HTTP (config/flows.yaml, manual clock, %s read models)', (readModels) => {
  let hub: TestHub;
  const now = () => hub.clock.now().toISOString();
  const sweep = async () => {
    await hub.settle();
    const report = await hub.app.get(FlowSweeper).sweep();
    await hub.settle();
    return report;
  };
  const stuck = async (query = '') => {
    const response = await hub.get(`/v1/flows/stuck${query}`);
    expect(response.status).toBe(200);
    return response.body as { rulesVersion: string; asOf: string; items: Array<Record<string, any>>; nextCursor?: string };
  };
  const flowEvents = async () => {
    const all = await hub.get('/v1/streams/flow-order-reaches-crm%2Forder%2FSO-1');
    return all.status === 404 ? [] : (all.body.events as Array<{ id: string; type: string; source: string; occurredAt: string; data: Record<string, unknown> }>);
  };

  beforeAll(async () => {
    hub = await startTestHub({ readModels, env: { CONCORD_FLOW_RULES: RULES, CONCORD_FLOW_SWEEP_MS: '600000' } });
  });
  afterAll(() => hub.close());

  it('lists nothing while every flow is within its deadline', async () => {
    expect((await hub.post('/v1/events', { events: [erpOrder('erp-1', 'SO-1', now(), { correlationId: 'order-flow-1' }), erpOrder('erp-2', 'SO-2', now())] })).status).toBe(200);
    await hub.settle();
    const page = await stuck();
    expect(page).toEqual({ rulesVersion: expect.stringMatching(/^f-[0-9a-f]{6}$/), asOf: now(), items: [] });
    expect(await sweep()).toMatchObject({ swept: true, overdue: 0, cleared: 0 });
  });

  it('lists an order the CRM has not reported 15 minutes after it was created, and records flow.overdue once', async () => {
    hub.clock.advance(10 * MINUTE);
    await hub.post('/v1/events', crmOrder('crm-2', 'SO-2', now()));
    hub.clock.advance(5 * MINUTE + 1);
    await hub.settle();
    const before = await stuck();
    expect(before.items).toEqual([
      expect.objectContaining({
        id: 'order-reaches-crm/order/SO-1',
        rule: 'order-reaches-crm',
        description: 'An order created in the ERP appears in the CRM within 15 minutes',
        entity: { type: 'order', id: 'SO-1' },
        status: 'overdue',
        recorded: false,
        startedBy: expect.objectContaining({ eventId: 'erp-1', type: 'order.created', source: 'erp' }),
        expectedBy: '2026-11-21T10:15:00.000Z',
        overdueForSeconds: 0,
        overdueFor: '0s',
        lastEvent: expect.objectContaining({ eventId: 'erp-1' }),
      }),
    ]);

    expect(await sweep()).toMatchObject({ swept: true, overdue: 1, cleared: 0, duplicates: 0 });
    hub.clock.advance(20 * MINUTE);
    expect(await sweep()).toMatchObject({ swept: true, overdue: 0, cleared: 0 });
    const after = await stuck();
    expect(after.items).toHaveLength(1);
    expect(after.items[0]).toMatchObject({ recorded: true, overdueEventId: 'flow:order-reaches-crm/order/SO-1:overdue', overdueForSeconds: 20 * 60, overdueFor: '20m' });

    const events = await flowEvents();
    expect(events.map((e) => [e.id, e.type, e.source, e.occurredAt])).toEqual([['flow:order-reaches-crm/order/SO-1:overdue', 'flow.overdue', 'concord', '2026-11-21T10:15:00.000Z']]);
    const stored = await hub.get(`/v1/events/${encodeURIComponent('flow:order-reaches-crm/order/SO-1:overdue')}`);
    expect(stored.body.event).toMatchObject({ correlationId: 'order-flow-1', causationId: 'erp-1', transport: { kind: 'internal', component: 'flows' } });
  });

  it('stating the same fact again is a duplicate, not a second event', async () => {
    const [again] = await hub.app.get(CommandBus).execute(
      new IngestEventsCommand([
        {
          payload: {
            id: 'flow:order-reaches-crm/order/SO-1:overdue',
            source: 'concord',
            type: 'flow.overdue',
            subject: { type: 'flow', id: 'order-reaches-crm/order/SO-1' },
            occurredAt: '2026-11-21T10:15:00.000Z',
            correlationId: 'order-flow-1',
            causationId: 'erp-1',
            data: { expectationId: 'order-reaches-crm/order/SO-1', rule: 'order-reaches-crm', entity: { type: 'order', id: 'SO-1' }, expectedBy: '2026-11-21T10:15:00.000Z', startedBy: 'erp-1' },
          },
          transport: { kind: 'internal', component: 'flows' },
        },
      ]),
    );
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(await flowEvents()).toHaveLength(1);
  });

  it('shows the stuck-flow count in /metrics and /v1/status', async () => {
    const metrics = await hub.get('/metrics');
    expect(metrics.text).toMatch(/^concord_flows_stuck\{rule="order-reaches-crm"\} 1$/m);
    expect(metrics.text).toMatch(/^concord_flows_stuck\{rule="invoice-paid"\} 0$/m);
    const status = await hub.get('/v1/status');
    expect(status.body.sections.flows).toMatchObject({
      severity: 'warning',
      summary: '1 flow is overdue (order-reaches-crm: 1); the oldest, order SO-1, for 20m',
      details: { overdue: 1, byRule: { 'order-reaches-crm': 1, 'invoice-paid': 0 }, lastSweep: { swept: true } },
    });
  });

  it('clears it when the CRM finally reports the order, with flow.cleared', async () => {
    await hub.post('/v1/events', crmOrder('crm-1', 'SO-1', now()));
    await hub.settle();
    expect((await stuck()).items).toEqual([]);
    expect(await sweep()).toMatchObject({ overdue: 0, cleared: 1 });
    expect((await flowEvents()).map((e) => [e.type, e.occurredAt, e.data.clearedBy])).toEqual([
      ['flow.overdue', '2026-11-21T10:15:00.000Z', undefined],
      ['flow.cleared', now(), 'crm-1'],
    ]);
    expect((await hub.get('/v1/status')).body.sections.flows).toMatchObject({ severity: 'ok', summary: 'no flow is overdue (2 rules)' });
  });

  it('an invoice paid with another amount stays overdue and shows the unmatched payment; the right amount clears it', async () => {
    await hub.post('/v1/events', { events: [invoice('bill-1', 'INV-1', 250, '2026-11-21', now()), payment('pay-1', 'INV-1', 200, now())] });
    hub.clock.set('2026-11-22T00:00:00.001Z');
    await hub.settle();
    const [item] = (await stuck('?rule=invoice-paid')).items;
    expect(item).toMatchObject({
      id: 'invoice-paid/invoice/INV-1',
      entity: { type: 'invoice', id: 'INV-1' },
      expectedBy: '2026-11-22T00:00:00.000Z',
      expected: { amount: 250, currency: 'EUR' },
      unmatched: [expect.objectContaining({ eventId: 'pay-1', values: { amount: 200, currency: 'EUR' } })],
      lastEvent: expect.objectContaining({ eventId: 'pay-1', type: 'payment.received' }),
    });
    expect(await sweep()).toMatchObject({ overdue: 1 });
    await hub.post('/v1/events', payment('pay-2', 'INV-1', 250, now()));
    expect(await sweep()).toMatchObject({ cleared: 1 });
    expect((await stuck()).items).toEqual([]);
  });

  it('filters by rule and entity and pages with a cursor, most overdue first', async () => {
    const base = now();
    await hub.post('/v1/events', { events: ['SO-10', 'SO-11', 'SO-12'].map((order, i) => erpOrder(`erp-p${i}`, order, new Date(Date.parse(base) + i * MINUTE).toISOString())) });
    hub.clock.advance(30 * MINUTE);
    await hub.settle();
    const first = await stuck('?limit=2');
    expect(first.items.map((i) => i.entity.id)).toEqual(['SO-10', 'SO-11']);
    const second = await stuck(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.entity.id)).toEqual(['SO-12']);
    expect(second.nextCursor).toBeUndefined();
    expect((await stuck('?entity=order/SO-11')).items.map((i) => i.id)).toEqual(['order-reaches-crm/order/SO-11']);
    expect((await stuck('?entity=order')).items).toHaveLength(3);
    expect((await stuck('?entity=invoice')).items).toEqual([]);
    expect((await stuck('?rule=invoice-paid')).items).toEqual([]);
  });

  it.each([
    ['?color=red', /unknown parameter color/],
    ['?rule=Not%20A%20Rule', /rule must be a flow rule name/],
    ['?rule=no-such-rule', /no flow rule named no-such-rule \(rules f-[0-9a-f]{6}: order-reaches-crm, invoice-paid\)/],
    ['?entity=Order', /entity must be <type> or <type>\/<id>/],
    ['?entity=order/', /entity must be <type> or <type>\/<id>/],
    ['?entity=order/SO-1%0D%0ASet-Cookie:x', /entity must be/],
    ['?limit=0', /limit must be an integer from 1 to 500/],
    ['?limit=501', /limit must be an integer from 1 to 500/],
    ['?limit=999999999999', /limit must be an integer from 1 to 500/],
    ['?limit=1e3', /limit must be an integer from 1 to 500/],
    ['?cursor=bm90LWEtY3Vyc29y', /cursor is not one this API returned/],
    ["?cursor=' OR 1=1 --", /cursor is not one this API returned/],
    ['?rule=invoice-paid&rule=order-reaches-crm', /rule must be given once/],
  ])('refuses %s with 400 and the reason', async (query, reason) => {
    const response = await hub.get(`/v1/flows/stuck${query}`);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(reason);
  });

  it('a rebuild from the log gives the live model, whatever the clock says now', async () => {
    await sweep();
    const live = await flowDocuments(hub);
    expect(Object.keys(live).length).toBeGreaterThan(5);
    hub.clock.advance(24 * 60 * MINUTE);
    expect((await hub.post('/v1/projections/flows/rebuild', {})).status).toBe(202);
    await hub.settle();
    expect(await flowDocuments(hub)).toEqual(live);
  });
});

describe('stuck flows across restarts and rule changes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'concord-flows-e2e-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the timer sweeps by itself: an overdue flow is recorded without anyone asking', async () => {
    const hub = await startTestHub({ dataDir: join(dir, 'data'), env: { CONCORD_FLOW_RULES: RULES, CONCORD_FLOW_SWEEP_MS: '100' } });
    try {
      await hub.post('/v1/events', anOrderCreated({ id: 'erp-1', occurredAt: '2026-11-21T09:00:00Z' }));
      const deadline = Date.now() + 15_000;
      let stored = await hub.get(`/v1/events/${encodeURIComponent('flow:order-reaches-crm/order/SO-1:overdue')}`);
      while (stored.status === 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stored = await hub.get(`/v1/events/${encodeURIComponent('flow:order-reaches-crm/order/SO-1:overdue')}`);
      }
      expect(stored.status).toBe(200);
      expect(stored.body.event).toMatchObject({ type: 'flow.overdue', source: 'concord', occurredAt: '2026-11-21T09:15:00.000Z' });
    } finally {
      await hub.close();
    }
  });

  it('keeps what it stated after a restart, and rebuilds without a removed rule', async () => {
    const dataDir = join(dir, 'data');
    const first = await startTestHub({ dataDir, env: { CONCORD_FLOW_RULES: RULES, CONCORD_FLOW_SWEEP_MS: '600000' } });
    await first.post('/v1/events', anOrderCreated({ id: 'erp-1', occurredAt: '2026-11-21T09:00:00Z' }));
    await first.settle();
    await first.app.get(FlowSweeper).sweep();
    await first.settle();
    const before = (await first.get('/v1/flows/stuck')).body;
    await first.close({ keepData: true });

    const again = await startTestHub({ dataDir, clock: first.clock, env: { CONCORD_FLOW_RULES: RULES, CONCORD_FLOW_SWEEP_MS: '600000' } });
    await again.settle();
    expect((await again.get('/v1/flows/stuck')).body).toEqual(before);
    expect(await again.app.get(FlowSweeper).sweep()).toMatchObject({ swept: true, overdue: 0, cleared: 0 });
    await again.close({ keepData: true });

    const onlyInvoices = join(dir, 'flows.yaml');
    writeFileSync(onlyInvoices, 'rules:\n  - name: invoice-paid\n    when: { type: invoice.issued }\n    expect: { type: payment.received, link: invoiceId, sameFields: [amount] }\n    deadline: dueDate\n');
    const changed = await startTestHub({ dataDir, clock: first.clock, env: { CONCORD_FLOW_RULES: onlyInvoices, CONCORD_FLOW_SWEEP_MS: '600000' } });
    try {
      await changed.settle();
      const page = (await changed.get('/v1/flows/stuck')).body;
      expect(page.items).toEqual([]);
      expect(page.rulesVersion).not.toBe(before.rulesVersion);
      const projections = (await changed.get('/v1/projections')).body.projections as Array<{ name: string; checkpoint: number; headPosition: number }>;
      expect(projections.find((p) => p.name === 'flows')).toMatchObject({ checkpoint: projections[0]!.headPosition });
    } finally {
      await changed.close({ keepData: true });
    }

    // Rules switched off: the projection is not run, and what the model still holds is not listed.
    const off = await startTestHub({ dataDir, clock: first.clock });
    try {
      await off.post('/v1/events', anOrderCreated({ id: 'erp-9', subject: { type: 'order', id: 'SO-9' }, occurredAt: '2026-11-21T08:00:00Z' }));
      expect((await off.get('/v1/flows/stuck')).body.items).toEqual([]);
      expect(((await off.get('/v1/projections')).body.projections as Array<{ name: string }>).map((p) => p.name)).not.toContain('flows');
      expect((await off.get('/v1/status')).body.sections.flows).toMatchObject({ severity: 'ok', summary: 'stuck-flow detection is off (no rules: set CONCORD_FLOW_RULES)' });
    } finally {
      await off.close({ keepData: true });
    }

    // Back on: the model catches up with what was appended while it was off.
    const back = await startTestHub({ dataDir, clock: first.clock, env: { CONCORD_FLOW_RULES: RULES, CONCORD_FLOW_SWEEP_MS: '600000' } });
    try {
      await back.settle();
      expect(((await back.get('/v1/flows/stuck')).body.items as Array<{ id: string }>).map((i) => i.id)).toEqual(['order-reaches-crm/order/SO-9', 'order-reaches-crm/order/SO-1']);
    } finally {
      await back.close();
    }
  });

  it.each([
    ['a missing file', (d: string) => join(d, 'missing.yaml'), /cannot read the flow rules .*missing\.yaml \(CONCORD_FLOW_RULES\)/],
    [
      'an unknown event type',
      (d: string) => {
        writeFileSync(join(d, 'bad.yaml'), 'rules:\n  - name: r\n    when: { type: order.shipped }\n    expect: { source: crm }\n    within: 15m\n');
        return join(d, 'bad.yaml');
      },
      /rules\[0\] \(r\)\.when\.type: order\.shipped is not a registered event type/,
    ],
  ])('refuses to start with %s, saying why', async (_label, file, reason) => {
    await expect(startTestHub({ dataDir: join(dir, 'data'), env: { CONCORD_FLOW_RULES: file(dir) } })).rejects.toThrow(reason);
  });

  it('refuses a sweep interval out of range at start-up', async () => {
    await expect(startTestHub({ dataDir: join(dir, 'data'), env: { CONCORD_FLOW_SWEEP_MS: '10' } })).rejects.toThrow(/CONCORD_FLOW_SWEEP_MS/);
  });
});
