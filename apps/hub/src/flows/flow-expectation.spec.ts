import { HUB_SOURCE, streamNameOf, type EventEnvelope } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import { CANDIDATE_CAP, decideSweep, evolveExpectation, expectationId, isStuck, stepsFor, type Expectation, type FlowHubEvent } from './flow-expectation';
import type { FlowRule } from './flow-rules';
import { exampleFlowRules } from './testing/example-flow-rules';

const rules = exampleFlowRules.rules;

const T0 = Date.parse('2026-11-21T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

/**
 * Given/when/then over the pure logic, in virtual time: `given` records events as the log
 * would (positions, hub time), `sweep` is the sweeper's decision at a time, and what it
 * decides is recorded back into the log as the hub's own events, exactly as in the hub.
 */
class Flows {
  readonly log: StoredEvent[] = [];
  readonly expectations = new Map<string, Expectation>();
  private now = T0;

  at(minutes: number): this {
    this.now = T0 + minutes * 60_000;
    return this;
  }

  given(...envelopes: Array<Partial<EventEnvelope> & { id: string }>): this {
    for (const envelope of envelopes) this.record({ source: 'erp', schemaVersion: 1, type: 'order.created', subject: { type: 'order', id: 'SO-1' }, occurredAt: new Date(this.now).toISOString(), data: {}, ...envelope });
    return this;
  }

  /** The sweeper at the current time: what it decides is stored (a repeated id is a duplicate, as in the log). */
  sweep(): FlowHubEvent[] {
    const decided = decideSweep([...this.expectations.values()], new Date(this.now));
    for (const event of decided) {
      if (this.log.some((e) => e.id === event.id)) continue;
      this.record({ ...event, source: HUB_SOURCE, schemaVersion: 1 });
    }
    return decided;
  }

  get(rule: string, type: string, id: string): Expectation | undefined {
    return this.expectations.get(expectationId(rule, { type, id }));
  }

  stuck(): string[] {
    return [...this.expectations.values()].filter((e) => isStuck(e, new Date(this.now))).map((e) => e.id);
  }

  private record(envelope: EventEnvelope): void {
    const stored: StoredEvent = {
      ...envelope,
      position: this.log.length + 1,
      stream: streamNameOf(envelope.subject),
      revision: 0,
      recordedAt: new Date(this.now).toISOString(),
      transport: { kind: 'internal', component: 'spec' },
      prevHash: '',
      hash: '',
    };
    this.log.push(stored);
    for (const rule of rules) this.apply(rule, stored);
  }

  private apply(rule: FlowRule, event: StoredEvent): void {
    for (const { entity, step } of stepsFor(rule, event)) {
      const key = expectationId(rule.name, entity);
      const next = evolveExpectation(this.expectations.get(key), rule, entity, step);
      if (next) this.expectations.set(key, next);
    }
  }
}

const erpOrder = (id: string, order = 'SO-1', extra: Partial<EventEnvelope> = {}) => ({
  id,
  type: 'order.created',
  source: 'erp',
  subject: { type: 'order', id: order },
  data: { customerId: 'C-1', status: 'OPEN', total: { amount: 10, currency: 'EUR' } },
  ...extra,
});
const crmOrder = (id: string, order = 'SO-1') => ({ ...erpOrder(id, order), source: 'crm', data: { customerId: 'C-1', status: 'open', total: { amount: 10, currency: 'EUR' } } });
const invoice = (id: string, invoiceId: string, amount: number, dueDate: string) => ({
  id,
  type: 'invoice.issued',
  source: 'billing',
  subject: { type: 'invoice', id: invoiceId },
  data: { orderId: 'SO-1', amount, currency: 'EUR', dueDate },
});
const payment = (id: string, invoiceId: string, amount: number, currency = 'EUR') => ({
  id,
  type: 'payment.received',
  source: 'billing',
  subject: { type: 'payment', id: `P-${id}` },
  data: { invoiceId, amount, currency },
});

describe('stuck flows: an order created in the ERP must appear in the CRM within 15 minutes', () => {
  it('given the CRM reports the order in time, then nothing is ever overdue', () => {
    const flows = new Flows().given(erpOrder('e1')).at(10).given(crmOrder('c1'));
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'fulfilled', open: false, fulfilledBy: { eventId: 'c1', source: 'crm' } });
    expect(flows.at(60).sweep()).toEqual([]);
    expect(flows.stuck()).toEqual([]);
  });

  it('given no CRM event, it is due exactly at 15 minutes and overdue just after; the sweeper states it once, with a deterministic id', () => {
    const flows = new Flows().given(erpOrder('e1', 'SO-1', { correlationId: 'flow-7' }));
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'waiting', open: true, expectedBy: iso(15), startedBy: { eventId: 'e1' } });
    expect(flows.at(15).sweep()).toEqual([]);
    expect(flows.stuck()).toEqual([]);

    flows.at(15.001);
    expect(flows.stuck()).toEqual(['order-reaches-crm/order/SO-1']);
    const [overdue, ...rest] = flows.sweep();
    expect(rest).toEqual([]);
    expect(overdue).toEqual({
      id: 'flow:order-reaches-crm/order/SO-1:overdue',
      type: 'flow.overdue',
      subject: { type: 'flow', id: 'order-reaches-crm/order/SO-1' },
      occurredAt: iso(15),
      correlationId: 'flow-7',
      causationId: 'e1',
      data: { expectationId: 'order-reaches-crm/order/SO-1', rule: 'order-reaches-crm', entity: { type: 'order', id: 'SO-1' }, expectedBy: iso(15), startedBy: 'e1' },
    });
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'overdue', open: true, overdue: { eventId: overdue!.id, recordedAt: iso(15.001) } });
    // Stated once: the next sweep has nothing to say, and the expectation stays listed.
    expect(flows.at(30).sweep()).toEqual([]);
    expect(flows.stuck()).toEqual(['order-reaches-crm/order/SO-1']);
  });

  it('given the CRM reports it late, then the overdue item clears with a flow.cleared naming the event that met it', () => {
    const flows = new Flows().given(erpOrder('e1'));
    flows.at(20).sweep();
    flows.at(40).given(crmOrder('c1'));
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'clearing', open: false });
    expect(flows.stuck()).toEqual([]);
    const [cleared] = flows.at(41).sweep();
    expect(cleared).toMatchObject({
      id: 'flow:order-reaches-crm/order/SO-1:cleared',
      type: 'flow.cleared',
      occurredAt: iso(40),
      causationId: 'c1',
      data: { expectationId: 'order-reaches-crm/order/SO-1', expectedBy: iso(15), startedBy: 'e1', clearedBy: 'c1' },
    });
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'cleared', cleared: { eventId: cleared!.id } });
    expect(flows.at(90).sweep()).toEqual([]);
  });

  it('given the CRM event arrives before the ERP one (out of order), then the start finds it met already', () => {
    const flows = new Flows().given(crmOrder('c1')).at(1).given(erpOrder('e1'));
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'fulfilled', fulfilledBy: { eventId: 'c1' }, startedBy: { eventId: 'e1' }, candidates: [] });
    expect(flows.at(60).sweep()).toEqual([]);
  });

  it('given an order created late (it occurred an hour ago), then it is overdue at the next sweep unless met', () => {
    const flows = new Flows().at(60).given(erpOrder('e1', 'SO-1', { occurredAt: iso(0) }), erpOrder('e2', 'SO-2', { occurredAt: iso(0) }), crmOrder('c2', 'SO-2'));
    expect(flows.sweep().map((e) => e.id)).toEqual(['flow:order-reaches-crm/order/SO-1:overdue']);
  });

  it('given the ERP sends the order again under a new id, then it is one expectation with its first deadline', () => {
    const flows = new Flows().given(erpOrder('e1')).at(10).given(erpOrder('e1-resent'));
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'waiting', starts: 2, expectedBy: iso(15), startedBy: { eventId: 'e1' }, lastEvent: { eventId: 'e1-resent' } });
    expect(flows.expectations.size).toBe(1);
  });

  it('given a sweep repeats before its record was applied, then it states the identical event (the log makes it a duplicate)', () => {
    const flows = new Flows().given(erpOrder('e1')).at(20);
    const waiting = [...flows.expectations.values()];
    expect(decideSweep(waiting, at(20))).toEqual(decideSweep(waiting, at(25)));
    flows.sweep();
    expect(flows.log.filter((e) => e.type === 'flow.overdue')).toHaveLength(1);
  });

  it('given the order is met between the sweeper reading it and writing, then the record stands and a flow.cleared follows', () => {
    const flows = new Flows().given(erpOrder('e1')).at(20);
    const decided = decideSweep([...flows.expectations.values()], at(20));
    flows.given(crmOrder('c1')); // lands first
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')!.phase).toBe('fulfilled');
    flows.given({ ...decided[0]!, source: HUB_SOURCE });
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'clearing', overdue: { eventId: 'flow:order-reaches-crm/order/SO-1:overdue' } });
    expect(flows.at(21).sweep().map((e) => e.type)).toEqual(['flow.cleared']);
  });

  it('given other events about the order while it waits, then the last one is shown; other entities and sources change nothing', () => {
    const flows = new Flows()
      .given(erpOrder('e1'))
      .at(5)
      .given({ id: 'e2', type: 'order.status-changed', source: 'erp', subject: { type: 'order', id: 'SO-1' }, data: { status: 'SHIPPED' } })
      .given({ id: 'x1', type: 'customer.upserted', source: 'crm', subject: { type: 'customer', id: 'C-1' }, data: { name: 'A', email: 'a@example.com' } })
      .given(erpOrder('e3', 'SO-2'));
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'waiting', lastEvent: { eventId: 'e2', type: 'order.status-changed', at: iso(5) } });
    expect(flows.expectations.size).toBe(2);
  });

  it('an order the CRM reports but the ERP never created is not a flow at all', () => {
    const flows = new Flows().given(crmOrder('c1')).at(60);
    expect(flows.sweep()).toEqual([]);
    expect(flows.stuck()).toEqual([]);
    expect(flows.get('order-reaches-crm', 'order', 'SO-1')).toMatchObject({ phase: 'unstarted', open: false });
  });

  it('records about flows of a rule that no longer exists, or an entity never started, change nothing', () => {
    const flows = new Flows().given(
      { id: 'h1', source: HUB_SOURCE, type: 'flow.overdue', subject: { type: 'flow', id: 'gone/order/SO-1' }, data: { rule: 'gone', entity: { type: 'order', id: 'SO-1' } } },
      { id: 'h2', source: HUB_SOURCE, type: 'flow.overdue', subject: { type: 'flow', id: 'order-reaches-crm/order/SO-9' }, data: { rule: 'order-reaches-crm', entity: { type: 'order', id: 'SO-9' } } },
    );
    expect(flows.expectations.size).toBe(0);
  });
});

describe('stuck flows: an issued invoice must be paid with the same amount before its due date', () => {
  it('given a date-only due date, then the whole day counts (due by the next midnight, UTC)', () => {
    const flows = new Flows().given(invoice('i1', 'INV-1', 100, '2026-11-22'));
    expect(flows.get('invoice-paid', 'invoice', 'INV-1')).toMatchObject({ phase: 'waiting', expectedBy: '2026-11-23T00:00:00.000Z', expected: { amount: 100, currency: 'EUR' } });
    flows.at(14 * 60 - 1).given(payment('p1', 'INV-1', 100));
    expect(flows.get('invoice-paid', 'invoice', 'INV-1')).toMatchObject({ phase: 'fulfilled', fulfilledBy: { eventId: 'p1' } });
  });

  it('given a payment of another amount, then it does not count, and it is shown as the last event', () => {
    const flows = new Flows().given(invoice('i1', 'INV-1', 100, '2026-11-21T12:00:00+01:00')).at(5).given(payment('p1', 'INV-1', 90), payment('p2', 'INV-1', 100, 'USD'));
    const waiting = flows.get('invoice-paid', 'invoice', 'INV-1')!;
    expect(waiting).toMatchObject({ phase: 'waiting', expectedBy: '2026-11-21T11:00:00.000Z', lastEvent: { eventId: 'p2' } });
    expect(waiting.candidates.map((c) => [c.eventId, c.values])).toEqual([
      ['p1', { amount: 90, currency: 'EUR' }],
      ['p2', { amount: 100, currency: 'USD' }],
    ]);
    expect(flows.at(61).sweep().map((e) => e.id)).toEqual(['flow:invoice-paid/invoice/INV-1:overdue']);
    flows.at(70).given(payment('p3', 'INV-1', 100));
    expect(flows.get('invoice-paid', 'invoice', 'INV-1')).toMatchObject({ phase: 'clearing', fulfilledBy: { eventId: 'p3' } });
  });

  it('given the payment arrives before the invoice, then the invoice starts met, if the amount is the same', () => {
    const flows = new Flows().given(payment('p1', 'INV-1', 100), payment('p2', 'INV-2', 99)).at(1).given(invoice('i1', 'INV-1', 100, '2026-12-01'), invoice('i2', 'INV-2', 100, '2026-12-01'));
    expect(flows.get('invoice-paid', 'invoice', 'INV-1')).toMatchObject({ phase: 'fulfilled', fulfilledBy: { eventId: 'p1' } });
    expect(flows.get('invoice-paid', 'invoice', 'INV-2')).toMatchObject({ phase: 'waiting', candidates: [{ eventId: 'p2' }] });
  });

  it('given the invoice is re-issued with another amount and a later due date before it is overdue, then the newest values count', () => {
    const flows = new Flows().given(invoice('i1', 'INV-1', 100, '2026-11-21'), payment('p1', 'INV-1', 120));
    flows.at(60).given(invoice('i1-v2', 'INV-1', 120, '2026-11-30'));
    expect(flows.get('invoice-paid', 'invoice', 'INV-1')).toMatchObject({ phase: 'fulfilled', starts: 2, fulfilledBy: { eventId: 'p1' } });
    const moved = new Flows().given(invoice('i1', 'INV-1', 100, '2026-11-21')).at(60).given(invoice('i1-v2', 'INV-1', 100, '2026-11-30'));
    expect(moved.get('invoice-paid', 'invoice', 'INV-1')!.expectedBy).toBe('2026-12-01T00:00:00.000Z');
  });

  it('once stated overdue, a re-issued invoice does not move the deadline (the statement stands until it is met)', () => {
    const flows = new Flows().given(invoice('i1', 'INV-1', 100, '2026-11-21'));
    flows.at(14 * 60 + 1).sweep();
    flows.at(14 * 60 + 2).given(invoice('i1-v2', 'INV-1', 100, '2026-12-31'));
    expect(flows.get('invoice-paid', 'invoice', 'INV-1')).toMatchObject({ phase: 'overdue', expectedBy: '2026-11-22T00:00:00.000Z', starts: 2 });
    expect(flows.stuck()).toEqual(['invoice-paid/invoice/INV-1']);
  });

  it('given a due date that is no calendar date, then it is due at once, with the reason, rather than never', () => {
    const flows = new Flows().given(invoice('i1', 'INV-1', 100, '2026-02-30'), invoice('i2', 'INV-2', 100, '2026-W48'));
    for (const id of ['INV-1', 'INV-2']) {
      expect(flows.get('invoice-paid', 'invoice', id)).toMatchObject({ phase: 'waiting', expectedBy: iso(0), problem: expect.stringMatching(/^dueDate is "2026-.*", not a date; due at once$/) });
    }
    const overdue = flows.at(1).sweep();
    expect(overdue.map((e) => e.data.problem)).toEqual(['dueDate is "2026-02-30", not a date; due at once', 'dueDate is "2026-W48", not a date; due at once']);
  });

  it('keeps at most a fixed number of unmatched payments per invoice, counting the ones it dropped', () => {
    const flows = new Flows().given(invoice('i1', 'INV-1', 100, '2026-12-01'));
    flows.given(...Array.from({ length: CANDIDATE_CAP + 3 }, (_, i) => payment(`p${i}`, 'INV-1', i)));
    const waiting = flows.get('invoice-paid', 'invoice', 'INV-1')!;
    expect(waiting.candidates).toHaveLength(CANDIDATE_CAP);
    expect(waiting.candidatesDropped).toBe(3);
    expect(waiting.candidates[0]!.eventId).toBe('p3');
  });
});

describe('expectation ids', () => {
  it('are readable, and hashed when an entity id would make them too long for an event id', () => {
    expect(expectationId('r', { type: 'order', id: 'SO-1' })).toBe('r/order/SO-1');
    const long = expectationId('order-reaches-crm', { type: 'order', id: 'x'.repeat(200) });
    expect(long).toMatch(/^order-reaches-crm\/order\/#[0-9a-f]{32}$/);
    expect(expectationId('order-reaches-crm', { type: 'order', id: 'x'.repeat(199) + 'y' })).not.toBe(long);
    expect(`flow:${long}:overdue`.length).toBeLessThanOrEqual(200);
  });
});
