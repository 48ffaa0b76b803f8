import { HUB_SOURCE, type EventEnvelope } from '@concord/contracts';
import { describeEachReadModelBackend, ProjectionTestbed } from '@concord/projections/testing';
import { decideSweep, type Expectation } from './flow-expectation';
import { NO_FLOW_RULES, parseFlowRules } from './flow-rules';
import { exampleFlowRules, exampleRegistry } from './testing/example-flow-rules';
import { FLOW_ACTIVE, FLOW_EXPECTATIONS, flowsProjection, flowsProjectionVersion } from './flows.projection';

const registry = exampleRegistry;
const rules = exampleFlowRules;

const order = (id: string, source: string, orderId: string): EventEnvelope =>
  ({ id, source, type: 'order.created', schemaVersion: 1, subject: { type: 'order', id: orderId }, occurredAt: '2026-11-21T10:00:00Z', data: { customerId: 'C-1', status: 'OPEN', total: { amount: 5, currency: 'EUR' } } }) as EventEnvelope;
const invoice = (id: string, invoiceId: string, amount: number): EventEnvelope =>
  ({ id, source: 'billing', type: 'invoice.issued', schemaVersion: 1, subject: { type: 'invoice', id: invoiceId }, occurredAt: '2026-11-21T10:00:00Z', data: { orderId: 'SO-1', amount, currency: 'EUR', dueDate: '2026-11-21' } }) as EventEnvelope;
const payment = (id: string, invoiceId: string, amount: number): EventEnvelope =>
  ({ id, source: 'billing', type: 'payment.received', schemaVersion: 1, subject: { type: 'payment', id: `P-${id}` }, occurredAt: '2026-11-21T10:00:00Z', data: { invoiceId, amount, currency: 'EUR' } }) as EventEnvelope;

describeEachReadModelBackend('flows projection', (backend) => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await ProjectionTestbed.open(flowsProjection(rules, registry), { backend });
  });
  afterEach(() => bed.close());

  async function active(): Promise<string[]> {
    return (await bed.readModels.query(FLOW_ACTIVE, { limit: 100 })).items.map((item) => `${item.key}:${(item.doc as unknown as Expectation).phase}`);
  }

  /** The sweeper's decision over the active documents at the testbed's clock, appended like the hub does it. */
  async function sweep(): Promise<string[]> {
    await bed.run();
    const docs = (await bed.readModels.query(FLOW_ACTIVE, { limit: 100 })).items.map((item) => item.doc as unknown as Expectation);
    const decided = decideSweep(docs, bed.clock.now());
    await bed.given(decided.map((event) => ({ ...event, source: HUB_SOURCE, schemaVersion: 1 }) as EventEnvelope));
    await bed.run();
    return decided.map((event) => event.id);
  }

  it('keeps waiting, overdue and clearing expectations in the active collection, and every expectation in the full one', async () => {
    await bed.given([order('e1', 'erp', 'SO-1'), order('e2', 'erp', 'SO-2'), order('c2', 'crm', 'SO-2'), order('c3', 'crm', 'SO-3'), invoice('i1', 'INV-1', 100), payment('p1', 'INV-1', 90)]);
    await bed.run();
    expect(await active()).toEqual(['invoice-paid/invoice/INV-1:waiting', 'order-reaches-crm/order/SO-1:waiting']);
    const all = await bed.readModels.query(FLOW_EXPECTATIONS, { limit: 100 });
    expect(all.items.map((item) => `${item.key}:${(item.doc as unknown as Expectation).phase}`)).toEqual([
      'invoice-paid/invoice/INV-1:waiting',
      'order-reaches-crm/order/SO-1:waiting',
      'order-reaches-crm/order/SO-2:fulfilled',
      'order-reaches-crm/order/SO-3:unstarted',
    ]);
  });

  it('goes overdue through the hub’s own record, clears through the next one, and drops out of the active list', async () => {
    await bed.given([order('e1', 'erp', 'SO-1')]);
    bed.clock.set('2026-11-21T10:30:00Z');
    expect(await sweep()).toEqual(['flow:order-reaches-crm/order/SO-1:overdue']);
    expect(await active()).toEqual(['order-reaches-crm/order/SO-1:overdue']);
    expect(await sweep()).toEqual([]);
    await bed.given([order('c1', 'crm', 'SO-1')]);
    await bed.run();
    expect(await active()).toEqual(['order-reaches-crm/order/SO-1:clearing']);
    expect(await sweep()).toEqual(['flow:order-reaches-crm/order/SO-1:cleared']);
    expect(await active()).toEqual([]);
    expect(await bed.doc<Expectation & Record<string, unknown>>(FLOW_EXPECTATIONS, 'order-reaches-crm/order/SO-1')).toMatchObject({
      phase: 'cleared',
      overdue: { eventId: 'flow:order-reaches-crm/order/SO-1:overdue' },
      cleared: { eventId: 'flow:order-reaches-crm/order/SO-1:cleared' },
      fulfilledBy: { eventId: 'c1' },
    });
  });

  it('equals a rebuild from zero, hub records included (the clock is never read)', async () => {
    await bed.given([order('e1', 'erp', 'SO-1'), order('e2', 'erp', 'SO-2'), invoice('i1', 'INV-1', 100), payment('p0', 'INV-2', 7)]);
    bed.clock.set('2026-11-22T01:00:00Z');
    await sweep();
    await bed.given([order('c2', 'crm', 'SO-2'), payment('p1', 'INV-1', 100), invoice('i2', 'INV-2', 7)]);
    await sweep();
    const live = await bed.snapshot();
    expect(Object.keys(live).length).toBeGreaterThan(4);
    bed.clock.set('2027-06-01T00:00:00Z');
    expect(await bed.rebuild()).toEqual(live);
  });

  it('handles only the types that can start, meet or touch an expectation of its rules, and its own records', () => {
    expect(flowsProjection(rules, registry).handles).toEqual(['flow.cleared', 'flow.overdue', 'invoice.issued', 'order.created', 'order.status-changed', 'payment.received']);
    const invoicesOnly = parseFlowRules({ rules: [{ name: 'r', when: { type: 'invoice.issued' }, expect: { source: 'crm' }, within: '1h' }] }, registry);
    expect(flowsProjection(invoicesOnly, registry).handles).toEqual(['flow.cleared', 'flow.overdue', 'invoice.issued']);
    expect(flowsProjection(NO_FLOW_RULES, registry).handles).toEqual(['flow.cleared', 'flow.overdue']);
  });

  it('has a version that follows the rules, so editing them rebuilds the model', () => {
    expect(flowsProjectionVersion(rules)).not.toBe(flowsProjectionVersion(NO_FLOW_RULES));
    expect(flowsProjectionVersion(rules)).toBe(flowsProjection(rules, registry).version);
    expect(flowsProjectionVersion(rules)).toBeLessThan(2 ** 31);
  });
});
