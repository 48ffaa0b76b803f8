import { join } from 'node:path';
import { checkEnvelope, ContractRegistry, exampleContracts, HUB_SOURCE, type EventEnvelope } from '@concord/contracts';
import { ProjectionRunner } from '@concord/projections';
import { ProjectionTestbed } from '@concord/projections/testing';
import type { HubEvent } from '../hub-events/hub-event-recorder';
import { RECON_AGENDA, RECON_ENTITIES, RECON_ITEMS, RECON_SUMMARY, type ReconEntity, type ReconItem, type Summary } from './reconciliation-model';
import { openedRecord, resolvedRecords } from './reconciliation-records';
import { loadReconciliationRules, parseReconciliationRules, type ReconciliationRules } from './reconciliation-rules';
import { reconciliationProjection } from './reconciliation.projection';

const registry = new ContractRegistry(exampleContracts);
const exampleRules = loadReconciliationRules(join(__dirname, '../../../../config/reconciliation.yaml'), true);

let seq = 0;
function order(source: string, data: Record<string, unknown>, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  seq += 1;
  return {
    id: `${source}-${seq}`,
    source,
    type: 'order.created',
    schemaVersion: 1,
    subject: { type: 'order', id: 'SO-1' },
    occurredAt: `2026-11-21T09:00:${String(seq % 60).padStart(2, '0')}Z`,
    data: { customerId: 'C-1', total: { amount: 100, currency: 'EUR' }, ...data },
    ...extra,
  };
}

function statusChanged(source: string, status: string, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  seq += 1;
  return { id: `${source}-${seq}`, source, type: 'order.status-changed', schemaVersion: 1, subject: { type: 'order', id: 'SO-1' }, occurredAt: '2026-11-21T09:30:00Z', data: { status }, ...extra };
}

function customer(source: string, id: string, email: string): EventEnvelope {
  seq += 1;
  return { id: `${source}-${seq}`, source, type: 'customer.upserted', schemaVersion: 1, subject: { type: 'customer', id }, occurredAt: '2026-11-21T09:00:00Z', data: { name: 'Ada', email } };
}

function asEnvelope(record: HubEvent): EventEnvelope {
  return { ...record, source: HUB_SOURCE, schemaVersion: 1 } as EventEnvelope;
}

describe('reconciliation projection', () => {
  let bed: ProjectionTestbed;

  async function open(rules: ReconciliationRules = exampleRules): Promise<void> {
    bed = new ProjectionTestbed(reconciliationProjection(registry, rules));
  }

  beforeEach(() => {
    seq = 0;
  });
  afterEach(() => bed.close());

  async function item(id: string): Promise<ReconItem> {
    await bed.run();
    const doc = (await bed.doc(RECON_ITEMS, id)) as ReconItem | undefined;
    if (!doc) throw new Error(`no item ${id}`);
    return doc;
  }

  async function items(): Promise<ReconItem[]> {
    await bed.run();
    return Object.entries(await bed.snapshot())
      .filter(([key]) => key.startsWith(`${RECON_ITEMS}/`))
      .map(([, doc]) => doc as unknown as ReconItem);
  }

  async function summary(type = 'order'): Promise<Summary> {
    await bed.run();
    return (await bed.doc(RECON_SUMMARY, type)) as unknown as Summary;
  }

  /** What the sweeper does once the grace has passed: record the opening (checked against its contract first). */
  async function sweeperOpens(id: string): Promise<void> {
    const envelope = asEnvelope(openedRecord(await item(id)));
    expect(checkEnvelope(registry, envelope).ok).toBe(true);
    await bed.given([envelope]);
  }

  async function announcerResolves(id: string): Promise<void> {
    const records = resolvedRecords(await item(id)).map(asEnvelope);
    for (const envelope of records) expect(checkEnvelope(registry, envelope)).toMatchObject({ ok: true });
    await bed.given(records);
  }

  it('given erp and crm reporting one status in their own words and billing later, stays pending, then matched', async () => {
    await open();
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'open' })]);
    expect((await item('order/SO-1:mismatch:status')).status).toBe('pending');
    expect((await item('order/SO-1:missing')).values).toEqual({ erp: 'erp-1', crm: 'crm-2', billing: null });
    expect(await summary()).toMatchObject({ entities: 1, matched: 0, pending: 2, mismatch: 0, missing: 0 });

    await bed.given([order('billing', { status: 'paid' }), statusChanged('crm', 'closed')]);

    const status = await item('order/SO-1:mismatch:status');
    expect(status.status).toBe('cleared');
    expect(status.history.map((h) => h.change)).toEqual(['disagreed', 'changed', 'cleared']);
    expect((await item('order/SO-1:missing')).status).toBe('cleared');
    expect(await summary()).toMatchObject({ entities: 1, matched: 1, pending: 0, mismatch: 0, missing: 0 });
  });

  it('given a real status conflict that outlives its grace, opens a mismatch with each value and its event, then resolves it when they agree', async () => {
    await open();
    const [erp, crm, billing] = await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'open' }), order('billing', { status: 'paid' })]);
    const pending = await item('order/SO-1:mismatch:status');
    expect(pending).toMatchObject({
      kind: 'mismatch',
      field: 'status',
      status: 'pending',
      reason: 'differs',
      values: { erp: 'COMPLETED', crm: 'open', billing: 'paid' },
      canonical: { erp: 'done', crm: 'open', billing: 'done' },
      evidence: [erp!.id, crm!.id, billing!.id],
      since: crm!.recordedAt,
      dueAt: new Date(Date.parse(crm!.recordedAt) + 300_000).toISOString(),
      // Named by the position of the event where the disagreement began.
      episode: crm!.position,
    });

    await sweeperOpens('order/SO-1:mismatch:status');
    const opened = await item('order/SO-1:mismatch:status');
    expect(opened.status).toBe('open');
    expect(opened.openedAt).toBe(pending.dueAt);
    expect(await summary()).toMatchObject({ matched: 0, pending: 0, mismatch: 1 });

    const [fix] = await bed.given([statusChanged('crm', 'closed')]);
    const resolved = await item('order/SO-1:mismatch:status');
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: fix!.id, resolvedAt: fix!.recordedAt, announcing: true });
    expect(await summary()).toMatchObject({ matched: 1, pending: 0, mismatch: 0 });

    await announcerResolves('order/SO-1:mismatch:status');
    const announced = await item('order/SO-1:mismatch:status');
    expect(announced.announcing).toBe(false);
    expect(announced.history.map((h) => h.change)).toEqual(['disagreed', 'changed', 'opened', 'resolved', 'announced']);
    expect(resolvedRecords(announced)).toEqual([]);
  });

  it('given an order billing never reports, opens a missing item naming billing', async () => {
    await open();
    await bed.given([order('erp', { status: 'OPEN' }), order('crm', { status: 'new' })]);
    await sweeperOpens('order/SO-1:missing');
    expect(await item('order/SO-1:missing')).toMatchObject({ kind: 'missing', status: 'open', values: { erp: expect.any(String), crm: expect.any(String), billing: null } });
    expect(await summary()).toMatchObject({ missing: 1, pending: 0 });
  });

  it('given two crm customers with one e-mail (in other letter case), finds a duplicate; a changed e-mail clears it', async () => {
    await open();
    await bed.given([customer('crm', 'C-1', 'Ada@Example.com'), customer('crm', 'C-2', ' ada@example.com'), customer('billing', 'C-1', 'Ada@Example.com')]);
    const [duplicate] = (await items()).filter((i) => i.kind === 'duplicate');
    expect(duplicate).toMatchObject({ kind: 'duplicate', source: 'crm', status: 'pending', values: { crm: ['C-1', 'C-2'] }, evidence: ['crm-1', 'crm-2'] });
    // The item's id carries a digest of the key, never the e-mail address itself.
    expect(duplicate!.id).toMatch(/^customer:duplicate:crm:[0-9a-f]{20}$/);
    // C-2 is not in billing yet (missing, pending) and the duplicate is pending.
    expect(await summary('customer')).toMatchObject({ pending: 2 });

    await bed.given([customer('crm', 'C-2', 'ada.lovelace@example.com')]);
    expect((await item(duplicate!.id)).status).toBe('cleared');
  });

  it('given a stale update arriving late (lower sourceSequence), creates no false mismatch and counts it stale', async () => {
    await open();
    await bed.given([
      order('erp', { status: 'COMPLETED' }, { sourceSequence: 2 }),
      order('crm', { status: 'closed' }),
      order('billing', { status: 'paid' }),
      order('erp', { status: 'OPEN' }, { sourceSequence: 1 }),
    ]);
    await bed.run();
    expect((await items()).filter((i) => i.status === 'pending' || i.status === 'open')).toEqual([]);
    const entity = (await bed.doc(RECON_ENTITIES, 'order/SO-1')) as unknown as ReconEntity;
    expect(entity.sources.erp).toMatchObject({ events: 2, staleEvents: 1, sourceSequence: 2, fields: { status: { value: 'COMPLETED' } } });
    expect(await summary()).toMatchObject({ matched: 1, pending: 0 });
  });

  it('given a late update without sequences, judges by occurredAt', async () => {
    await open();
    await bed.given([
      order('erp', { status: 'COMPLETED' }, { occurredAt: '2026-11-21T10:00:00Z' }),
      order('crm', { status: 'closed' }),
      order('billing', { status: 'paid' }),
      statusChanged('erp', 'OPEN', { occurredAt: '2026-11-21T09:59:00Z' }),
    ]);
    expect((await items()).filter((i) => i.status === 'pending')).toEqual([]);
  });

  it('given amounts within the 0.01 tolerance, agrees; beyond it, disagrees', async () => {
    await open();
    await bed.given([
      order('erp', { status: 'OPEN', total: { amount: 100, currency: 'EUR' } }),
      order('crm', { status: 'open', total: { amount: 100.004, currency: 'EUR' } }),
      order('billing', { status: 'open', total: { amount: 99.995, currency: 'EUR' } }),
    ]);
    expect((await items()).filter((i) => i.field === 'amount')).toEqual([]);
    await bed.given([order('billing', { status: 'open', total: { amount: 100.02, currency: 'EUR' } })]);
    expect(await item('order/SO-1:mismatch:amount')).toMatchObject({ status: 'pending', values: { erp: 100, crm: 100.004, billing: 100.02 } });
  });

  it('given a value no mapping knows, reports it as unmapped instead of failing', async () => {
    await open();
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'archived' }), order('billing', { status: 'paid' })]);
    expect(await item('order/SO-1:mismatch:status')).toMatchObject({ reason: 'unmapped', unmapped: ['crm'], canonical: { erp: 'done', crm: null, billing: 'done' } });
  });

  it('given a field one source leaves out, compares it among the others only', async () => {
    await open();
    const noTotal = order('crm', { status: 'open' });
    delete (noTotal.data as Record<string, unknown>).total;
    await bed.given([order('erp', { status: 'OPEN' }), noTotal, order('billing', { status: 'open' })]);
    expect(await items()).toEqual([expect.objectContaining({ kind: 'missing', status: 'cleared' })]);
  });

  it('given a source the rules do not name, ignores its reports', async () => {
    await open();
    await bed.given([order('erp', { status: 'OPEN' }), order('crm', { status: 'open' }), order('billing', { status: 'open' }), order('sap', { status: 'SOMETHING' })]);
    await bed.run();
    const entity = (await bed.doc(RECON_ENTITIES, 'order/SO-1')) as unknown as ReconEntity;
    expect(Object.keys(entity.sources).sort()).toEqual(['billing', 'crm', 'erp']);
    expect((await items()).filter((i) => i.status === 'pending')).toEqual([]);
  });

  it('given an invoice and its payments, compares the paid total with the invoiced amount', async () => {
    await open();
    const invoice: EventEnvelope = {
      id: 'inv-1',
      source: 'billing',
      type: 'invoice.issued',
      schemaVersion: 1,
      subject: { type: 'invoice', id: 'INV-1' },
      occurredAt: '2026-11-21T09:00:00Z',
      data: { orderId: 'SO-1', amount: 100, currency: 'EUR', dueDate: '2026-12-01' },
    };
    const payment = (id: string, amount: number): EventEnvelope => ({
      id: `pay-${id}`,
      source: 'bank',
      type: 'payment.received',
      schemaVersion: 1,
      subject: { type: 'payment', id },
      occurredAt: '2026-11-21T09:10:00Z',
      data: { invoiceId: 'INV-1', amount, currency: 'EUR' },
    });
    await bed.given([invoice]);
    expect((await item('invoice/INV-1:missing')).values).toEqual({ billing: 'inv-1', payments: null });
    await bed.given([payment('P-1', 60)]);
    expect(await item('invoice/INV-1:mismatch:amount')).toMatchObject({ status: 'pending', values: { billing: 100, payments: 60 } });
    await bed.given([payment('P-2', 40), payment('P-1', 60)]);
    expect((await item('invoice/INV-1:mismatch:amount')).status).toBe('cleared');
    expect(await summary('invoice')).toMatchObject({ matched: 1, pending: 0 });
  });

  it('given an opening recorded after the sources already agreed, shows it opened and resolved at once (so consumers see both)', async () => {
    await open();
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'open' }), order('billing', { status: 'paid' })]);
    const late = openedRecord(await item('order/SO-1:mismatch:status'));
    await bed.given([statusChanged('crm', 'closed'), asEnvelope(late)]);
    const after = await item('order/SO-1:mismatch:status');
    expect(after).toMatchObject({ status: 'resolved', announcing: true });
    expect(resolvedRecords(after)).toHaveLength(1);
    expect(await summary()).toMatchObject({ matched: 1, pending: 0, mismatch: 0 });
  });

  it('given the same opening recorded twice (a sweep repeated), changes nothing the second time', async () => {
    await open();
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'open' }), order('billing', { status: 'paid' })]);
    const record = openedRecord(await item('order/SO-1:mismatch:status'));
    expect(openedRecord(await item('order/SO-1:mismatch:status'))).toEqual(record);
    await bed.given([asEnvelope(record)]);
    const once = await item('order/SO-1:mismatch:status');
    await bed.given([asEnvelope({ ...record, id: `${record.id}-again` })]);
    expect(await item('order/SO-1:mismatch:status')).toEqual(once);
  });

  it('given one e-mail for two customers in different systems only, finds no duplicate (a duplicate is within one system)', async () => {
    await open();
    await bed.given([customer('crm', 'C-1', 'ada@example.com'), customer('billing', 'C-2', 'ada@example.com')]);
    expect((await items()).filter((i) => i.kind === 'duplicate')).toEqual([]);
    // a third holder of the address in crm makes crm hold it twice: one duplicate, in crm only
    await bed.given([customer('crm', 'C-3', 'ADA@example.com')]);
    expect((await items()).filter((i) => i.kind === 'duplicate')).toEqual([expect.objectContaining({ source: 'crm', values: { crm: ['C-1', 'C-3'] } })]);
  });

  it('given amounts exactly 0.01 apart, agrees (the tolerance is inclusive); a hair beyond, disagrees', async () => {
    await open();
    await bed.given([
      order('erp', { status: 'OPEN', total: { amount: 100, currency: 'EUR' } }),
      order('crm', { status: 'open', total: { amount: 100.01, currency: 'EUR' } }),
      order('billing', { status: 'open', total: { amount: 100.01, currency: 'EUR' } }),
    ]);
    expect((await items()).filter((i) => i.field === 'amount')).toEqual([]);
    await bed.given([order('billing', { status: 'open', total: { amount: 100.0101, currency: 'EUR' } })]);
    expect(await item('order/SO-1:mismatch:amount')).toMatchObject({ status: 'pending', reason: 'differs' });
  });

  it('given an opened missing item, resolves it when billing finally reports, announces that once, and counts the order matched', async () => {
    await open();
    await bed.given([order('erp', { status: 'OPEN' }), order('crm', { status: 'new' })]);
    await sweeperOpens('order/SO-1:missing');
    expect(await summary()).toMatchObject({ missing: 1, matched: 0 });

    const [late] = await bed.given([order('billing', { status: 'open' })]);
    // The item keeps showing what was wrong (billing unknown); its resolution names the event that settled it.
    expect(await item('order/SO-1:missing')).toMatchObject({ status: 'resolved', resolvedBy: late!.id, announcing: true, values: { erp: 'erp-1', crm: 'crm-2', billing: null } });
    expect(await summary()).toMatchObject({ missing: 0, matched: 1, pending: 0 });
    await announcerResolves('order/SO-1:missing');
    expect(resolvedRecords(await item('order/SO-1:missing'))).toEqual([]);
  });

  it("keeps the sweeper's agenda in step with the items: due while pending, announce while a resolution is owed, nothing after", async () => {
    await open();
    const agenda = async (): Promise<string[]> => {
      await bed.run();
      return Object.keys(await bed.snapshot())
        .filter((key) => key.startsWith(`${RECON_AGENDA}/`))
        .map((key) => key.slice(RECON_AGENDA.length + 1))
        .sort();
    };
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'open' })]);
    const status = await item('order/SO-1:mismatch:status');
    const missing = await item('order/SO-1:missing');
    expect(await agenda()).toEqual([`due/${missing.dueAt}/order/SO-1:missing`, `due/${status.dueAt}/order/SO-1:mismatch:status`].sort());

    await bed.given([order('billing', { status: 'paid' })]);
    expect(await agenda()).toEqual([`due/${status.dueAt}/order/SO-1:mismatch:status`]);

    await sweeperOpens('order/SO-1:mismatch:status');
    expect(await agenda()).toEqual([]);

    await bed.given([statusChanged('crm', 'closed')]);
    expect(await agenda()).toEqual(['announce/order/SO-1:mismatch:status']);

    await announcerResolves('order/SO-1:mismatch:status');
    expect(await agenda()).toEqual([]);
  });

  it('live equals a rebuild from zero, openings and resolutions included', async () => {
    await open();
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'open' }), customer('crm', 'C-1', 'a@x.io'), customer('crm', 'C-2', 'a@x.io')]);
    await sweeperOpens('order/SO-1:mismatch:status');
    await bed.given([statusChanged('crm', 'closed'), order('billing', { status: 'paid' })]);
    await announcerResolves('order/SO-1:mismatch:status');
    await bed.run();
    const live = await bed.snapshot();
    expect(await bed.rebuild()).toEqual(live);
  });

  it('given a rules change, a restart rebuilds the model under the new rules and ignores records made under the old ones', async () => {
    const strict = parseReconciliationRules({ version: 'strict', entities: { order: { sources: ['erp', 'crm'], graceSeconds: 60, fields: { status: 'status' } } } });
    await open(strict);
    await bed.given([order('erp', { status: 'COMPLETED' }), order('crm', { status: 'closed' })]);
    await sweeperOpens('order/SO-1:mismatch:status');
    expect(await summary()).toMatchObject({ mismatch: 1, matched: 0 });

    const mapped = parseReconciliationRules({
      version: 'mapped',
      entities: { order: { sources: ['erp', 'crm'], graceSeconds: 60, fields: { status: { path: 'status', map: { erp: { COMPLETED: 'done' }, crm: { closed: 'done' } } } } } },
    });
    expect(mapped.version).not.toBe(strict.version);
    const projection = reconciliationProjection(registry, mapped);
    const runner = new ProjectionRunner(projection, { store: bed.store, readModels: bed.readModels, clock: bed.clock });
    await runner.start();
    await runner.waitFor(await bed.store.headPosition());
    await runner.stop();
    expect(await bed.readModels.get(RECON_SUMMARY, 'order')).toMatchObject({ mismatch: 0, matched: 1, pending: 0 });
    expect(await bed.readModels.get(RECON_ITEMS, 'order/SO-1:mismatch:status')).toBeUndefined();
  });
});
