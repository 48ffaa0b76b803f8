import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, SeededIds } from '@concord/common';
import { loadConfig } from '../../apps/hub/src/config/concord-config';
import { createHubApp } from '../../apps/hub/src/create-hub-app';
import { ReconciliationSweeper } from '../../apps/hub/src/reconciliation/reconciliation-sweeper';
import { TEST_SECURITY_ENV } from './support/auth';
import { anOrderCreated } from './support/events';
import { startTestHub, testReadModelBackends, type TestHub } from './support/test-hub';

function order(id: string, source: string, status: string, amount = 120.5) {
  return anOrderCreated({ id, source, subject: { type: 'order', id: 'SO-1001' }, occurredAt: '2026-11-21T09:00:00Z', data: { customerId: 'C-1', status, total: { amount, currency: 'EUR' } } });
}

function statusChanged(id: string, source: string, status: string) {
  return { id, source, type: 'order.status-changed', subject: { type: 'order', id: 'SO-1001' }, occurredAt: '2026-11-21T09:30:00Z', data: { status } };
}

const ITEM = 'order/SO-1001:mismatch:status';

describe.each(testReadModelBackends('reconciliation over HTTP'))('reconciliation over HTTP [read models: %s]', (readModels) => {
  let hub: TestHub;
  let sweeper: ReconciliationSweeper;

  beforeEach(async () => {
    // The timer is off: each test sweeps by hand with the manual clock.
    hub = await startTestHub({ readModels, env: { CONCORD_RECONCILIATION_SWEEP_MS: '0' } });
    sweeper = hub.app.get(ReconciliationSweeper);
  });

  afterEach(() => hub.close());

  async function sweep() {
    await hub.settle();
    const report = await sweeper.sweep();
    await hub.settle();
    return report;
  }

  it('keeps a conflict pending through its grace, opens it after, resolves it when the systems agree, and says so in the log once', async () => {
    expect((await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'COMPLETED'), order('crm-1', 'crm', 'open'), order('billing-1', 'billing', 'paid')] })).status).toBe(200);
    expect(await sweep()).toEqual({ opened: 0, resolved: 0, duplicates: 0 });

    const pending = await hub.get('/v1/reconciliation?status=pending&entity=order');
    expect(pending.status).toBe(200);
    expect(pending.body.summary).toMatchObject({ pending: 1, mismatch: 0, matched: 0, entities: 1 });
    expect(pending.body.items).toEqual([
      expect.objectContaining({
        id: ITEM,
        kind: 'mismatch',
        field: 'status',
        status: 'pending',
        subject: { type: 'order', id: 'SO-1001' },
        values: { erp: 'COMPLETED', crm: 'open', billing: 'paid' },
        evidence: ['erp-1', 'crm-1', 'billing-1'],
      }),
    ]);

    hub.clock.advance(301_000);
    expect(await sweep()).toEqual({ opened: 1, resolved: 0, duplicates: 0 });
    const open = await hub.get('/v1/reconciliation?kind=mismatch&status=open');
    expect(open.body.summary).toMatchObject({ pending: 0, mismatch: 1 });
    expect(open.body.items.map((i: { id: string }) => i.id)).toEqual([ITEM]);

    // The integration event is in the hub's own log, under a deterministic id; sweeping again adds nothing.
    // The episode is named by the log position of the event where the disagreement began (crm's report).
    const episode = (await hub.get('/v1/events/crm-1')).body.event.position as number;
    const openedId = `recon:${open.body.rulesVersion.split('@')[1]}:${ITEM}:opened:${episode}`;
    const opened = await hub.get(`/v1/events/${encodeURIComponent(openedId)}`);
    expect(opened.status).toBe(200);
    expect(opened.body.event).toMatchObject({ source: 'concord', type: 'reconciliation.item-opened', subject: { type: 'reconciliation', id: ITEM }, data: { kind: 'mismatch', episode } });
    expect(await sweep()).toEqual({ opened: 0, resolved: 0, duplicates: 0 });

    await hub.post('/v1/events', statusChanged('crm-2', 'crm', 'closed'));
    expect(await sweep()).toEqual({ opened: 0, resolved: 1, duplicates: 0 });
    const item = await hub.get(`/v1/reconciliation/items/${encodeURIComponent(ITEM)}`);
    expect(item.body).toMatchObject({ status: 'resolved', resolvedBy: 'crm-2' });
    expect(item.body.history.map((h: { change: string }) => h.change)).toEqual(['disagreed', 'changed', 'opened', 'resolved', 'announced']);
    const resolved = await hub.get(`/v1/events/${encodeURIComponent(openedId.replace(':opened:', ':resolved:'))}`);
    expect(resolved.body.event).toMatchObject({ type: 'reconciliation.item-resolved', data: { resolvedBy: 'crm-2' } });
    expect((await hub.get('/v1/reconciliation')).body.summary).toMatchObject({ matched: 1, mismatch: 0, pending: 0 });
  });

  it('after a rebuild from zero shows the same items, and sweeping re-announces nothing', async () => {
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'COMPLETED'), order('crm-1', 'crm', 'open')] });
    hub.clock.advance(301_000);
    await sweep();
    const before = (await hub.get('/v1/reconciliation?status=all')).body;
    expect(before.summary).toMatchObject({ mismatch: 1, missing: 1 });

    expect((await hub.post('/v1/projections/reconciliation/rebuild', {})).status).toBeLessThan(300);
    await hub.settle();
    expect((await hub.get('/v1/reconciliation?status=all')).body).toEqual(before);
    expect(await sweep()).toEqual({ opened: 0, resolved: 0, duplicates: 0 });
  });

  it('withdraws a duplicate by e-mail when one of the customers is forgotten: resolution announced, no e-mail left, the same after a rebuild', async () => {
    const customer = (id: string, source: string, subjectId: string, email?: string) => ({
      id,
      source,
      type: 'customer.upserted',
      subject: { type: 'customer', id: subjectId },
      occurredAt: '2026-11-21T09:00:00Z',
      data: { name: 'Ada', ...(email ? { email } : {}), country: 'GB' },
    });
    const sent = await hub.post('/v1/events', {
      events: [customer('crm-c1', 'crm', 'C-1', 'ada@example.com'), customer('crm-c2', 'crm', 'C-2', 'Ada@Example.com'), customer('billing-c1', 'billing', 'C-1'), customer('billing-c2', 'billing', 'C-2')],
    });
    expect(sent.status).toBe(200);
    hub.clock.advance(601_000);
    expect(await sweep()).toEqual({ opened: 1, resolved: 0, duplicates: 0 });
    const open = (await hub.get('/v1/reconciliation?entity=customer&kind=duplicate&status=open')).body;
    expect(open.items).toEqual([expect.objectContaining({ kind: 'duplicate', source: 'crm', values: { crm: ['C-1', 'C-2'] } })]);
    const itemId = open.items[0].id as string;

    const forgotten = await hub.post('/v1/subjects/customer/C-1/forget', {});
    expect(forgotten.status).toBe(200);
    await hub.settle();

    // The duplicate can no longer be evidenced: withdrawn, and consumers told it is resolved, by the erasure.
    expect((await hub.get('/v1/reconciliation?entity=customer&status=all')).body.summary).toMatchObject({ duplicate: 0, pending: 0, matched: 2 });
    expect(await sweep()).toEqual({ opened: 0, resolved: 1, duplicates: 0 });
    const resolvedId = `recon:${open.rulesVersion.split('@')[1]}:${itemId}:resolved:${open.items[0].episode}`;
    expect((await hub.get(`/v1/events/${encodeURIComponent(resolvedId)}`)).body.event).toMatchObject({ type: 'reconciliation.item-resolved', data: { itemId, resolvedBy: forgotten.body.event.id } });
    expect((await hub.get(`/v1/reconciliation/items/${encodeURIComponent(itemId)}`)).status).toBe(404);
    const after = (await hub.get('/v1/reconciliation?entity=customer&status=all')).body;
    expect(JSON.stringify(after)).not.toMatch(/ada@/i);
    expect(JSON.stringify((await hub.get('/v1/reconciliation/customer/C-1')).body)).not.toMatch(/ada@/i);

    expect((await hub.post('/v1/projections/reconciliation/rebuild', {})).status).toBeLessThan(300);
    await hub.settle();
    expect((await hub.get('/v1/reconciliation?entity=customer&status=all')).body).toEqual(after);
    expect(await sweep()).toEqual({ opened: 0, resolved: 0, duplicates: 0 });
  });

  it('compares one entity field by field, with a verdict per field', async () => {
    const crm = order('crm-1', 'crm', 'closed', 120.504);
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'COMPLETED'), crm, order('billing-1', 'billing', 'archived', 121)] });
    await hub.settle();
    const { status, body } = await hub.get('/v1/reconciliation/order/SO-1001');
    expect(status).toBe(200);
    expect(body.verdict).toBe('pending');
    const byField = Object.fromEntries(body.fields.map((f: { field: string }) => [f.field, f]));
    expect(byField.status).toMatchObject({
      verdict: 'unmapped',
      values: {
        erp: { present: true, value: 'COMPLETED', canonical: 'done', eventId: 'erp-1', path: 'status' },
        crm: { present: true, value: 'closed', canonical: 'done', eventId: 'crm-1', path: 'status' },
        billing: { present: true, value: 'archived', canonical: null, eventId: 'billing-1', path: 'status' },
      },
    });
    // Where each system keeps the field, so the dashboard can put the verdict beside the raw value.
    expect(byField.amount).toMatchObject({ verdict: 'mismatch', values: { erp: { value: 120.5, path: 'total.amount' }, crm: { value: 120.504 }, billing: { value: 121 } }, tolerance: 0.01 });
    expect(byField.currency).toMatchObject({ verdict: 'match' });
    expect(body.sources).toMatchObject({ erp: { known: true, lastEventId: 'erp-1' }, crm: { known: true }, billing: { known: true } });

    expect((await hub.get('/v1/reconciliation/order/SO-404')).status).toBe(404);
    const noRule = await hub.get('/v1/reconciliation/shipment/S-1');
    expect(noRule.status).toBe(404);
    expect(noRule.body.message).toContain('no reconciliation rule for entity type shipment');
  });

  it('exports the list and a windowed report as CSV, with the rules version', async () => {
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', '=HYPERLINK("x")'), order('crm-1', 'crm', 'open')] });
    hub.clock.advance(301_000);
    await sweep();
    const csv = await hub.get('/v1/reconciliation?format=csv&entity=order');
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    const [header, ...rows] = csv.text.trim().split('\r\n');
    expect(header).toBe('id,kind,status,entityType,entityId,field,source,reason,since,dueAt,openedAt,resolvedAt,value.billing,value.crm,value.erp,evidence,rulesVersion');
    expect(rows).toHaveLength(2);
    // A value a spreadsheet would run as a formula is neutralised.
    expect(rows.find((r) => r.startsWith(ITEM))).toContain(`"'=HYPERLINK(""x"")"`);

    const report = await hub.get(`/v1/reconciliation/report?from=2026-11-21T09:00:00Z&to=${encodeURIComponent(hub.clock.now().toISOString())}`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ rulesVersion: expect.stringMatching(/^example-1@/), counts: { open: 2, mismatch: 1, missing: 1 } });
    const early = await hub.get('/v1/reconciliation/report?from=2026-11-20T00:00:00Z&to=2026-11-20T23:59:59Z');
    expect(early.body.items).toEqual([]);
    const reportCsv = await hub.get('/v1/reconciliation/report?format=csv');
    expect(reportCsv.text.split('\r\n')[0]).toContain('statusAtWindowEnd');
    expect(reportCsv.text).toContain('example-1@');
  });

  it('refuses bad filters with a reason naming the parameter', async () => {
    for (const [query, reason] of [
      ['kind=bogus', 'kind must be one of'],
      ['status=done', 'status must be one of'],
      ['entity=Order', 'entity must be an entity type'],
      ['limit=100000', 'limit must be an integer from 1 to 500'],
      ['cursor=bm9wZQ', 'cursor is not one this API returned'],
      ["entity=order'%20OR%201=1--", 'entity must be an entity type'],
      ['colour=red', 'unknown parameter "colour"'],
      ['kind=mismatch&kind=missing', 'kind must be given once'],
    ] as const) {
      const response = await hub.get(`/v1/reconciliation?${query}`);
      expect([query, response.status]).toEqual([query, 400]);
      expect(response.body.message).toContain(reason);
    }
    expect((await hub.get('/v1/reconciliation/report?from=yesterday')).status).toBe(400);
    expect((await hub.get('/v1/reconciliation/report?from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z')).body.message).toContain('from must not be after to');
    expect((await hub.get('/v1/reconciliation/items/nope')).status).toBe(404);
  });

  it('shows open items by kind in /metrics and /v1/status', async () => {
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'COMPLETED'), order('crm-1', 'crm', 'open')] });
    hub.clock.advance(301_000);
    await sweep();
    const metrics = await hub.get('/metrics');
    expect(metrics.text).toContain('concord_reconciliation_items{kind="mismatch",status="open"} 1');
    expect(metrics.text).toContain('concord_reconciliation_items{kind="missing",status="open"} 1');
    const status = await hub.get('/v1/status');
    expect(JSON.stringify(status.body)).toContain('2 open reconciliation item(s): 1 mismatch(es), 1 missing record(s), 0 duplicate(s)');
  });
});

describe('reconciliation on its own timer', () => {
  let hub: TestHub;

  afterEach(() => hub.close());

  /** Polls a read until it holds or the deadline passes (the sweeper works on real time; the grace on the injected clock). */
  async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (holds(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('opens a conflict once the injected clock passes its grace, and resolves it after the systems agree, with nobody calling sweep', async () => {
    hub = await startTestHub({ env: { CONCORD_RECONCILIATION_SWEEP_MS: '20' } });
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'COMPLETED'), order('crm-1', 'crm', 'open'), order('billing-1', 'billing', 'paid')] });
    const summary = () => hub.get('/v1/reconciliation?entity=order&status=all').then((r) => r.body.summary as Record<string, number>);
    // Inside the grace, several timer rounds open nothing.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await summary()).toMatchObject({ pending: 1, mismatch: 0 });

    hub.clock.advance(301_000);
    expect(await eventually(summary, (s) => s.mismatch === 1)).toMatchObject({ pending: 0, mismatch: 1 });

    await hub.post('/v1/events', statusChanged('crm-2', 'crm', 'closed'));
    const item = () => hub.get(`/v1/reconciliation/items/${encodeURIComponent(ITEM)}`).then((r) => r.body as { status: string; history: Array<{ change: string }> });
    const announced = await eventually(item, (i) => i.history.some((h) => h.change === 'announced'));
    expect(announced.status).toBe('resolved');
    expect(announced.history.map((h) => h.change)).toEqual(['disagreed', 'changed', 'opened', 'resolved', 'announced']);
  });
});

describe('reconciliation rules at start-up', () => {
  it('refuses to start on a bad rules file, listing each problem with its place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-recon-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'entities:\n  order:\n    sources: [erp, crm]\n    graceSeconds: -5\n    fields:\n      status: { path: status, map: { sap: { X: y } } }\n');
    const config = loadConfig({ CONCORD_DATA_DIR: dir, CONCORD_LOG_LEVEL: 'error', ...TEST_SECURITY_ENV, CONCORD_RECONCILIATION_RULES: rules });
    await expect(createHubApp(config, { clock: new ManualClock('2026-11-21T10:00:00Z'), ids: new SeededIds(1) }).then((app) => app.init())).rejects.toThrow(
      /entities\.order\.graceSeconds must be a number[\s\S]*entities\.order\.fields\.status\.map\.sap: sap is not one of the field's sources/,
    );
  });

  it('refuses a configured rules file that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-recon-'));
    const config = loadConfig({ CONCORD_DATA_DIR: dir, CONCORD_LOG_LEVEL: 'error', ...TEST_SECURITY_ENV, CONCORD_RECONCILIATION_RULES: join(dir, 'absent.yaml') });
    await expect(createHubApp(config, { clock: new ManualClock('2026-11-21T10:00:00Z'), ids: new SeededIds(1) }).then((app) => app.init())).rejects.toThrow(/cannot read the reconciliation rules/);
  });
});
