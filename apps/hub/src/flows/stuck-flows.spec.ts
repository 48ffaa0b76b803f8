import type { EventEnvelope } from '@concord/contracts';
import { describeEachReadModelBackend, ProjectionTestbed } from '@concord/projections/testing';
import { flowsProjection } from './flows.projection';
import { encodeCursor, formatOverdue, parseStuckFlowsQuery, StuckFlows, StuckFlowsQueryError } from './stuck-flows';
import { exampleFlowRules, exampleRegistry } from './testing/example-flow-rules';

const order = (id: string, source: string, orderId: string, occurredAt: string): EventEnvelope =>
  ({ id, source, type: 'order.created', schemaVersion: 1, subject: { type: 'order', id: orderId }, occurredAt, data: { customerId: 'C-1', status: 'OPEN', total: { amount: 5, currency: 'EUR' } } }) as EventEnvelope;
const invoice = (id: string, invoiceId: string, dueDate: string): EventEnvelope =>
  ({ id, source: 'billing', type: 'invoice.issued', schemaVersion: 1, subject: { type: 'invoice', id: invoiceId }, occurredAt: '2026-11-21T09:00:00Z', data: { orderId: 'SO-1', amount: 1, currency: 'EUR', dueDate } }) as EventEnvelope;

describeEachReadModelBackend('stuck flows read from the flows model', (backend) => {
  let bed: ProjectionTestbed;
  let stuck: StuckFlows;

  beforeEach(async () => {
    bed = await ProjectionTestbed.open(flowsProjection(exampleFlowRules, exampleRegistry), { backend });
    stuck = new StuckFlows(bed.readModels, bed.clock, exampleFlowRules);
    await bed.given([
      order('e1', 'erp', 'SO-1', '2026-11-21T09:00:00Z'), // due 09:15
      order('e2', 'erp', 'SO-2', '2026-11-21T09:10:00Z'), // due 09:25
      order('e3', 'erp', 'SO-3', '2026-11-21T09:20:00Z'), // due 09:35, met below
      order('c3', 'crm', 'SO-3', '2026-11-21T09:21:00Z'),
      order('e4', 'erp', 'SO-4', '2026-11-21T09:45:00Z'), // due exactly at 10:00
      invoice('i1', 'INV-1', '2026-11-20'), // due 2026-11-21T00:00
    ]);
    await bed.run();
  });
  afterEach(() => bed.close());

  it('lists what is past its deadline at the given time, most overdue first, strictly after the deadline', async () => {
    const page = await stuck.page({ limit: 100 }, new Date('2026-11-21T10:00:00.000Z'));
    expect(page.items.map((i) => [i.id, i.overdueFor])).toEqual([
      ['invoice-paid/invoice/INV-1', '10h'],
      ['order-reaches-crm/order/SO-1', '45m'],
      ['order-reaches-crm/order/SO-2', '35m'],
    ]);
    expect(page).toMatchObject({ rulesVersion: exampleFlowRules.version, asOf: '2026-11-21T10:00:00.000Z' });
    expect((await stuck.page({ limit: 100 }, new Date('2026-11-21T10:00:00.001Z'))).items.map((i) => i.entity.id)).toContain('SO-4');
  });

  it('filters by rule and entity, and pages with a keyset cursor', async () => {
    const at = new Date('2026-11-21T12:00:00.000Z');
    expect((await stuck.page({ rule: 'invoice-paid', limit: 10 }, at)).items.map((i) => i.id)).toEqual(['invoice-paid/invoice/INV-1']);
    expect((await stuck.page({ entity: { type: 'order', id: 'SO-2' }, limit: 10 }, at)).items.map((i) => i.id)).toEqual(['order-reaches-crm/order/SO-2']);
    const first = await stuck.page({ entity: { type: 'order' }, limit: 2 }, at);
    expect(first.items.map((i) => i.entity.id)).toEqual(['SO-1', 'SO-2']);
    const cursor = parseStuckFlowsQuery({ cursor: first.nextCursor }, exampleFlowRules).after!;
    const second = await stuck.page({ entity: { type: 'order' }, limit: 2, after: cursor }, at);
    expect(second.items.map((i) => i.entity.id)).toEqual(['SO-4']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('counts per rule, every configured rule listed', async () => {
    expect(await stuck.count(new Date('2026-11-21T09:30:00.000Z'))).toMatchObject({ total: 3, byRule: { 'order-reaches-crm': 2, 'invoice-paid': 1 }, oldest: { id: 'invoice-paid/invoice/INV-1' } });
    expect(await stuck.count(new Date('2026-11-20T00:00:00.000Z'))).toEqual({ total: 0, byRule: { 'order-reaches-crm': 0, 'invoice-paid': 0 } });
  });

  it('hands the sweeper what it must state: waiting past the deadline only (not met, not yet due)', async () => {
    expect((await stuck.toState(new Date('2026-11-21T09:30:00.000Z'), 10)).map((e) => e.id)).toEqual(['invoice-paid/invoice/INV-1', 'order-reaches-crm/order/SO-1', 'order-reaches-crm/order/SO-2']);
    expect((await stuck.toState(new Date('2026-11-21T09:30:00.000Z'), 1)).map((e) => e.id)).toEqual(['invoice-paid/invoice/INV-1']);
  });
});

describe('stuck-flow query parameters', () => {
  it('reads rule, entity, limit and cursor', () => {
    expect(parseStuckFlowsQuery({}, exampleFlowRules)).toEqual({ limit: 100 });
    expect(parseStuckFlowsQuery({ rule: 'invoice-paid', entity: 'invoice/INV 1/a', limit: '500', cursor: encodeCursor('2026-11-21T09:15:00.000Z', 'k') }, exampleFlowRules)).toEqual({
      rule: 'invoice-paid',
      entity: { type: 'invoice', id: 'INV 1/a' },
      limit: 500,
      after: { value: '2026-11-21T09:15:00.000Z', key: 'k' },
    });
  });

  it.each([
    [{ rule: ['a', 'b'] }, /rule must be given once/],
    [{ sort: 'id' }, /unknown parameter sort/],
    [{ cursor: Buffer.from(JSON.stringify(['entities', 'x', 'k'])).toString('base64url') }, /cursor is not one this API returned/],
    [{ cursor: 'x'.repeat(2000) }, /cursor is not one this API returned/],
    [{ limit: '-1' }, /limit must be an integer from 1 to 500/],
  ])('refuses %j', (params, reason) => {
    expect(() => parseStuckFlowsQuery(params, exampleFlowRules)).toThrow(StuckFlowsQueryError);
    expect(() => parseStuckFlowsQuery(params, exampleFlowRules)).toThrow(reason);
  });

  it('says overdue times in the two largest units', () => {
    expect([0, 59, 60, 3725, 90_061, 86_400 * 3].map(formatOverdue)).toEqual(['0s', '59s', '1m', '1h 2m', '1d 1h', '3d']);
  });
});
