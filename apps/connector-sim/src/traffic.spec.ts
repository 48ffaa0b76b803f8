import { checkEnvelope, ContractRegistry, exampleContracts } from '@concord/contracts';
import { NO_FAULTS, type FaultRates } from './faults';
import { generateTraffic, type Delivery, type Traffic } from './traffic';

const START = '2026-11-21T08:00:00.000Z';
const registry = new ContractRegistry(exampleContracts);
const run = (faults: FaultRates = NO_FAULTS, seed = 7, orders = 300): Traffic => generateTraffic({ seed, orders, start: START, faults });
const of = (traffic: Traffic, system: string, type: string, subject: string) =>
  traffic.deliveries.filter((d) => d.system === system && d.envelope.type === type && d.envelope.subject.id === subject);
const lastStatus = (traffic: Traffic, system: string, subject: string) => {
  const events = traffic.deliveries.filter((d) => d.system === system && d.envelope.subject.id === subject).map((d) => d.envelope);
  const newest = events.reduce((a, b) => ((b.sourceSequence ?? 0) > (a.sourceSequence ?? 0) ? b : a));
  return (newest.data as { status: string }).status;
};
const everything: FaultRates = { duplicates: 0.1, lateRetries: 0.05, reorder: 0.2, drops: 0.05, conflicts: 0.1, twins: 0.1, bursts: 0.02, invalid: 0.03 };
/** config/reconciliation.yaml's order status vocabularies: what each system's final status means. */
const MEANS: Readonly<Record<string, string>> = { COMPLETED: 'done', CANCELLED: 'cancelled', closed: 'done', cancelled: 'cancelled', paid: 'done', void: 'cancelled' };

describe('generateTraffic', () => {
  it('gives the same deliveries for the same seed and options, other ones for another seed', () => {
    expect(JSON.stringify(run(everything))).toBe(JSON.stringify(run(everything)));
    expect(JSON.stringify(run(everything, 8))).not.toBe(JSON.stringify(run(everything)));
  });

  describe('without faults', () => {
    const traffic = run();

    it('delivers every event once, in time order, each one the hub would accept', () => {
      const ids = traffic.deliveries.map((d) => d.envelope.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(traffic.uniqueEvents).toBe(ids.length);
      for (let i = 1; i < traffic.deliveries.length; i++) expect(traffic.deliveries[i]!.at).toBeGreaterThanOrEqual(traffic.deliveries[i - 1]!.at);
      for (const d of traffic.deliveries) {
        expect(checkEnvelope(registry, JSON.parse(JSON.stringify(d.envelope))).ok).toBe(true);
        expect(d.envelope.source).toBe(d.system);
        expect(d.fault).toBeUndefined();
      }
      expect(Object.values(traffic.planted).every((list) => list.length === 0)).toBe(true);
    });

    it('lets every system report every order, each in its own vocabulary, newest sequence last', () => {
      for (let o = 1; o <= 300; o++) {
        const id = `SO-${String(o).padStart(6, '0')}`;
        for (const system of ['erp', 'crm', 'billing']) {
          const sequences = traffic.deliveries.filter((d) => d.system === system && d.envelope.subject.id === id).map((d) => d.envelope.sourceSequence);
          expect(sequences.length).toBeGreaterThanOrEqual(2);
          expect([...sequences].sort((a, b) => a! - b!)).toEqual(sequences);
        }
        const ended = lastStatus(traffic, 'erp', id);
        expect(['COMPLETED', 'CANCELLED']).toContain(ended);
        expect(lastStatus(traffic, 'crm', id)).toBe(ended === 'COMPLETED' ? 'closed' : 'cancelled');
        expect(lastStatus(traffic, 'billing', id)).toBe(ended === 'COMPLETED' ? 'paid' : 'void');
      }
    });

    it('bills what was ordered and is paid what was billed', () => {
      const invoices = traffic.deliveries.filter((d) => d.envelope.type === 'invoice.issued');
      expect(invoices.length).toBeGreaterThan(250);
      for (const invoice of invoices) {
        const data = invoice.envelope.data as { orderId: string; amount: number };
        const order = of(traffic, 'erp', 'order.created', data.orderId)[0]!.envelope.data as { total: { amount: number } };
        expect(data.amount).toBe(order.total.amount);
        const payment = traffic.deliveries.find((d) => d.envelope.type === 'payment.received' && (d.envelope.data as { invoiceId: string }).invoiceId === invoice.envelope.subject.id)!;
        expect((payment.envelope.data as { amount: number }).amount).toBe(data.amount);
      }
    });

    it('ties each order’s events into one flow by correlation id', () => {
      const flow = traffic.deliveries.filter((d) => d.envelope.correlationId === 'order-SO-000001').map((d) => d.envelope.type);
      expect(new Set(flow)).toEqual(new Set(['order.created', 'order.status-changed', ...(flow.includes('invoice.issued') ? ['invoice.issued', 'payment.received'] : [])]));
    });
  });

  describe('with every fault', () => {
    const traffic = run(everything);
    const { planted } = traffic;
    const count = (id: string) => traffic.deliveries.filter((d) => d.envelope.id === id).length;

    it('plants some of each, and says exactly how many deliveries are extra', () => {
      for (const list of Object.values(planted)) expect(list.length).toBeGreaterThan(0);
      expect(traffic.deliveries.length).toBe(traffic.uniqueEvents + planted.invalid.length + planted.duplicates.length + planted.lateRetries.length);
      expect(new Set(traffic.deliveries.map((d) => d.envelope.id)).size).toBe(traffic.uniqueEvents + planted.invalid.length);
    });

    it('sends a duplicate soon after and a late retry at least ten minutes after the original', () => {
      for (const id of planted.duplicates) expect(count(id)).toBeGreaterThanOrEqual(2);
      for (const id of planted.lateRetries) {
        const times = traffic.deliveries.filter((d) => d.envelope.id === id).map((d) => d.at);
        expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(10 * 60_000);
      }
    });

    it('delivers a reordered status after a newer one of the same system and subject', () => {
      for (const id of planted.reordered) {
        const late = traffic.deliveries.findIndex((d) => d.envelope.id === id && d.fault === 'reordered');
        const stale = traffic.deliveries[late]!;
        const newerBefore = traffic.deliveries
          .slice(0, late)
          .some((d) => d.system === stale.system && d.envelope.subject.id === stale.envelope.subject.id && d.envelope.sourceSequence! > stale.envelope.sourceSequence!);
        expect(newerBefore).toBe(true);
      }
    });

    it('leaves a dropped order out of that system entirely', () => {
      for (const { system, subject } of planted.missing) {
        expect(traffic.deliveries.filter((d: Delivery) => d.system === system && (d.envelope.subject.id === subject.id || d.envelope.correlationId === `order-${subject.id}`))).toEqual([]);
        expect(traffic.deliveries.some((d) => d.system !== system && d.envelope.subject.id === subject.id)).toBe(true);
      }
    });

    it('makes the planted conflicts real in the data', () => {
      for (const conflict of planted.conflicts) {
        const id = conflict.subject.id;
        if (conflict.kind === 'order-status') {
          expect(lastStatus(traffic, 'crm', id)).toBe(conflict.values.crm);
          expect(lastStatus(traffic, 'erp', id)).toBe(conflict.values.erp);
          // A conflict in meaning, not only in vocabulary: the ERP and the CRM end in different states.
          expect(MEANS[conflict.values.crm as string]).not.toBe(MEANS[conflict.values.erp as string]);
        } else if (conflict.kind === 'payment-amount') {
          const invoiced = (of(traffic, 'billing', 'invoice.issued', id)[0]!.envelope.data as { amount: number }).amount;
          const payment = traffic.deliveries.find((d) => d.envelope.type === 'payment.received' && (d.envelope.data as { invoiceId: string }).invoiceId === id)!;
          expect((payment.envelope.data as { amount: number }).amount).toBeCloseTo(invoiced - 10, 2);
        } else {
          const crm = of(traffic, 'crm', 'customer.upserted', id)[0]!.envelope.data as { country: string };
          const billing = of(traffic, 'billing', 'customer.upserted', id)[0]!.envelope.data as { country: string };
          expect(crm.country).not.toBe(billing.country);
        }
      }
      expect(new Set(planted.conflicts.map((c) => c.kind))).toEqual(new Set(['order-status', 'payment-amount', 'customer-country']));
    });

    it('plants a status conflict on a cancelled order too: the CRM closes what the ERP cancelled', () => {
      const cancelled = Array.from({ length: 20 }, (_, seed) => run({ ...NO_FAULTS, conflicts: 0.5 }, seed, 40))
        .flatMap((t) => t.planted.conflicts)
        .filter((c) => c.kind === 'order-status' && c.values.erp === 'CANCELLED');
      expect(cancelled.length).toBeGreaterThan(0);
      for (const conflict of cancelled) expect(conflict.values).toEqual({ erp: 'CANCELLED', crm: 'closed', billing: 'void' });
    });

    it('sends an invalid event once, refused by its contract naming the field, and keeps the valid one in the plan', () => {
      expect(planted.invalid.length).toBeGreaterThan(0);
      for (const invalid of planted.invalid) {
        const sent = traffic.deliveries.filter((d) => d.envelope.id === invalid.id);
        expect(sent).toHaveLength(1);
        expect(sent[0]!.fault).toBe('invalid');
        expect(sent[0]!.system).toBe(invalid.system);
        const refused = checkEnvelope(registry, JSON.parse(JSON.stringify(sent[0]!.envelope)));
        expect(refused.ok).toBe(false);
        expect(JSON.stringify(refused)).toContain(invalid.field);
        expect(checkEnvelope(registry, JSON.parse(JSON.stringify(invalid.valid))).ok).toBe(true);
        expect(invalid.valid.id).toBe(invalid.id);
        expect(invalid.valid.subject).toEqual(invalid.subject);
        expect({ ...sent[0]!.envelope, data: undefined }).toEqual({ ...invalid.valid, data: undefined });
      }
      expect(traffic.deliveries.filter((d) => d.fault === 'invalid')).toHaveLength(planted.invalid.length);
    });

    it('gives twins one e-mail under two CRM customer ids', () => {
      for (const twin of planted.twins) {
        const emails = twin.customers.map((id) => (of(traffic, 'crm', 'customer.upserted', id)[0]!.envelope.data as { email: string }).email);
        expect(emails).toEqual([twin.email, twin.email]);
      }
    });

    it('places a burst’s orders at one instant', () => {
      const bursty = run({ ...NO_FAULTS, bursts: 0.05 });
      const burst = bursty.planted.bursts[0]!;
      const at = new Date(Date.parse(START) + burst.at).toISOString();
      const placed = bursty.deliveries.filter((d) => d.system === 'erp' && d.envelope.type === 'order.created' && d.envelope.occurredAt === at);
      expect(placed).toHaveLength(burst.orders);
      expect(burst.orders).toBeGreaterThanOrEqual(2);
    });
  });

  it.each([
    [{ orders: -1 }, /orders must be a non-negative integer/],
    [{ orders: 1.5 }, /orders must be a non-negative integer/],
    [{ start: 'yesterday' }, /start must be an ISO instant/],
  ])('refuses %p', (change, message) => {
    expect(() => generateTraffic({ seed: 1, orders: 10, start: START, ...change })).toThrow(message);
  });
});
