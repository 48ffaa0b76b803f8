import { SeededRandom } from '@concord/common';
import { EnvelopeBuilder, stableEventId } from '@concord/connector-sdk';
import {
  ContractRegistry,
  customerUpsertedV1,
  exampleContracts,
  invoiceIssuedV1,
  orderCreatedV1,
  orderStatusChangedV1,
  paymentReceivedV1,
  type EventEnvelope,
  type SubjectRef,
} from '@concord/contracts';
import { NO_FAULTS, type FaultRates } from './faults';

/** The systems the simulator plays. Each speaks its own status vocabulary, as config/reconciliation.yaml maps them. */
export const SYSTEMS = ['erp', 'crm', 'billing'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface Delivery {
  /** When the system sends it, in virtual milliseconds since the run's start. */
  readonly at: number;
  readonly system: SystemName;
  readonly envelope: EventEnvelope<object>;
  /** Set on the deliveries a fault made: a second copy, a late retry, the older half of a swapped pair, or one that breaks its contract. */
  readonly fault?: 'duplicate' | 'late-retry' | 'reordered' | 'invalid';
}

export interface PlantedConflict {
  readonly kind: 'order-status' | 'payment-amount' | 'customer-country';
  /** The entity reconciliation should flag: the order, the invoice (paid ≠ invoiced) or the customer. */
  readonly subject: SubjectRef;
  readonly field: string;
  /** What each side ends up saying. */
  readonly values: Readonly<Record<string, string | number>>;
}

/** Everything the run planted, so a reader can check that the hub and reconciliation found it. */
export interface PlantedFaults {
  readonly duplicates: string[];
  readonly lateRetries: string[];
  /** Ids delivered after a newer status of the same subject from the same system (stale on arrival). */
  readonly reordered: string[];
  /** An order one system never reported (or a CRM twin, which billing never heard of). */
  readonly missing: { readonly system: SystemName; readonly subject: SubjectRef }[];
  readonly conflicts: PlantedConflict[];
  /** Two CRM customer ids for one person (same e-mail). */
  readonly twins: { readonly email: string; readonly customers: readonly [string, string] }[];
  readonly bursts: { readonly at: number; readonly orders: number }[];
  /** Events sent in a shape their contract refuses: the hub quarantines them; `valid` is what should have been sent. */
  readonly invalid: PlantedInvalid[];
}

export interface PlantedInvalid {
  readonly id: string;
  readonly system: SystemName;
  readonly subject: SubjectRef;
  /** The field the hub names in its refusal. */
  readonly field: string;
  readonly valid: EventEnvelope<object>;
}

export interface TrafficOptions {
  readonly seed: number;
  readonly orders: number;
  /** Defaults to one customer per five orders (at least one). */
  readonly customers?: number;
  /** The virtual start, an ISO instant: occurredAt values count from it. */
  readonly start: string;
  readonly faults?: FaultRates;
  /** Virtual milliseconds between two orders outside bursts (default 1,000). */
  readonly orderGapMs?: number;
}

export interface Traffic {
  readonly deliveries: Delivery[];
  readonly planted: PlantedFaults;
  /** Distinct valid events delivered: what a fresh hub answers `appended` for; every invalid delivery is `rejected`, every other one a `duplicate`. */
  readonly uniqueEvents: number;
}

const MINUTE = 60_000;
/** How long each system takes to send what happened (uniform up to this). */
const LATENCY_MS: Readonly<Record<SystemName, number>> = { erp: 1_000, crm: 20_000, billing: 60_000 };
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'John', 'Katherine', 'Leslie', 'Margaret', 'Niklaus'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Backus', 'Johnson', 'Lamport', 'Hamilton', 'Wirth'];
const COUNTRIES = ['DE', 'FR', 'NL', 'IT', 'ES', 'AT', 'BE', 'PL'];
/** The sim reads the same catalog the hub ships; built once, it is only read. */
const REGISTRY = new ContractRegistry(exampleContracts);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

interface Pending {
  readonly occurred: number;
  readonly system: SystemName;
  readonly envelope: EventEnvelope<object>;
  readonly invalid?: true;
}

/**
 * Generates a run of ERP, CRM and billing traffic: customers, then orders that
 * are confirmed, invoiced, shipped, paid and completed (a few cancelled), each
 * system reporting its own view with its own latency. Pure and seeded: the same
 * options give the same deliveries, byte for byte, so it serves as the demo, the
 * load generator of benchmarks and a fixture for tests alike.
 */
export function generateTraffic(options: TrafficOptions): Traffic {
  const faults = options.faults ?? NO_FAULTS;
  const random = new SeededRandom(options.seed);
  const startMs = Date.parse(options.start);
  if (Number.isNaN(startMs)) throw new RangeError(`start must be an ISO instant, got ${JSON.stringify(options.start)}`);
  if (!Number.isInteger(options.orders) || options.orders < 0) throw new RangeError(`orders must be a non-negative integer, got ${options.orders}`);
  const customerCount = options.customers ?? Math.max(1, Math.floor(options.orders / 5));
  const orderGap = options.orderGapMs ?? 1_000;
  // Unchecked here (traffic.spec.ts checks every envelope the generator makes): 200,000 checks would cost seconds.
  const builder = (source: SystemName) => new EnvelopeBuilder(source, REGISTRY, { check: false });
  const builders = { erp: builder('erp'), crm: builder('crm'), billing: builder('billing') };
  const iso = (virtual: number) => new Date(startMs + virtual).toISOString();
  const between = (low: number, high: number) => low + random.int(high - low + 1);
  const pending: Pending[] = [];
  const planted: PlantedFaults = { duplicates: [], lateRetries: [], reordered: [], missing: [], conflicts: [], twins: [], bursts: [], invalid: [] };
  const emit = (system: SystemName, occurred: number, envelope: EventEnvelope<object>, invalid?: true) => pending.push({ occurred, system, envelope, ...(invalid ? { invalid } : {}) });

  // Customers: CRM and billing each keep the full record.
  const customers: string[] = [];
  for (let c = 1; c <= customerCount; c++) {
    const id = `C-${pad(c, 5)}`;
    customers.push(id);
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const email = `${first}.${last}.${c}@example.com`.toLowerCase();
    const country = random.pick(COUNTRIES);
    const at = c * 100;
    const record = { name: `${first} ${last}`, email, country };
    emit('crm', at, builders.crm.build(customerUpsertedV1, { subjectId: id, version: 1, occurredAt: iso(at), data: { ...record, status: 'active' } }));
    let billingCountry = country;
    if (random.chance(faults.conflicts)) {
      billingCountry = COUNTRIES[(COUNTRIES.indexOf(country) + 1) % COUNTRIES.length]!;
      planted.conflicts.push({ kind: 'customer-country', subject: { type: 'customer', id }, field: 'country', values: { crm: country, billing: billingCountry } });
    }
    emit('billing', at + between(1_000, 30_000), builders.billing.build(customerUpsertedV1, { subjectId: id, version: 1, occurredAt: iso(at), data: { ...record, country: billingCountry } }));
    if (random.chance(faults.twins)) {
      const twin = `${id}B`;
      emit('crm', at + between(MINUTE, 10 * MINUTE), builders.crm.build(customerUpsertedV1, { subjectId: twin, version: 1, occurredAt: iso(at + MINUTE), data: { ...record, status: 'active' } }));
      planted.twins.push({ email, customers: [id, twin] });
      // Billing has only the real customer: the twin is also a record billing never heard of.
      planted.missing.push({ system: 'billing', subject: { type: 'customer', id: twin } });
    }
  }

  // Orders, one after another, except in bursts.
  let placed = customerCount * 100;
  let burstLeft = 0;
  for (let o = 1; o <= options.orders; o++) {
    if (burstLeft > 0) {
      burstLeft--;
    } else {
      placed += orderGap;
      if (random.chance(faults.bursts)) {
        burstLeft = between(20, 100) - 1;
        planted.bursts.push({ at: placed, orders: Math.min(burstLeft + 1, options.orders - o + 1) });
      }
    }
    plantOrder(o, placed);
  }

  function plantOrder(o: number, at: number): void {
    const id = `SO-${pad(o, 6)}`;
    const subject = { type: 'order', id };
    const correlationId = `order-${id}`;
    const customerId = random.pick(customers);
    const total = { amount: between(1_000, 99_999) / 100, currency: random.chance(0.8) ? 'EUR' : 'USD' };
    const cancelled = random.chance(0.05);
    const dropped = random.chance(faults.drops) ? random.pick(SYSTEMS) : undefined;
    const conflict = !dropped && random.chance(faults.conflicts) ? (cancelled ? 'order-status' : random.pick(['order-status', 'payment-amount'] as const)) : undefined;
    const clerk = { type: 'user', id: `clerk-${1 + random.int(9)}` };
    // Drawn last and only at a rate above 0 (chance(0) draws nothing), so runs without it keep their seeds' traffic.
    const invalid = dropped !== 'billing' && random.chance(faults.invalid);

    const confirmed = at + between(MINUTE, 3 * MINUTE);
    const ended = cancelled ? confirmed + between(5 * MINUTE, 30 * MINUTE) : undefined;
    const invoiced = confirmed + between(MINUTE, 5 * MINUTE);
    const shipped = at + between(10 * MINUTE, 30 * MINUTE);
    const paid = shipped + between(5 * MINUTE, 60 * MINUTE);
    const completed = Math.max(paid, shipped) + between(5 * MINUTE, 30 * MINUTE);
    const amountPaid = conflict === 'payment-amount' ? Math.round(total.amount * 100 - 1_000) / 100 : total.amount;
    // A status conflict: CRM ends where the ERP did not (cancelled instead of closed, closed instead of cancelled).
    const crmEnd = conflict === 'order-status' ? (cancelled ? 'closed' : 'cancelled') : cancelled ? 'cancelled' : 'closed';
    if (dropped) planted.missing.push({ system: dropped, subject });

    const steps: [SystemName, number, EventEnvelope<object>][] = [];
    const status = (system: SystemName, version: number, when: number, value: string, actor?: typeof clerk) =>
      steps.push([system, when, builders[system].build(orderStatusChangedV1, { subjectId: id, version, occurredAt: iso(when), correlationId, ...(actor ? { actor } : {}), data: { status: value } })]);
    const created = (system: SystemName, when: number, value: string) =>
      steps.push([system, when, builders[system].build(orderCreatedV1, { subjectId: id, version: 1, occurredAt: iso(when), correlationId, data: { customerId, status: value, total } })]);

    created('erp', at, 'OPEN');
    status('erp', 2, confirmed, 'CONFIRMED', clerk);
    created('crm', at + between(5_000, 30_000), 'new');
    status('crm', 2, confirmed + between(10_000, 60_000), 'in_progress');
    created('billing', at + between(10_000, 60_000), 'open');
    if (ended !== undefined) {
      status('erp', 3, ended, 'CANCELLED', clerk);
      status('crm', 3, ended + between(10_000, 120_000), crmEnd);
      status('billing', 2, ended + between(10_000, 120_000), 'void');
    } else {
      const invoice = `INV-${pad(o, 6)}`;
      const payment = `PAY-${pad(o, 6)}`;
      steps.push(['billing', invoiced, builders.billing.build(invoiceIssuedV1, { subjectId: invoice, version: 1, occurredAt: iso(invoiced), correlationId, data: { orderId: id, amount: total.amount, currency: total.currency, dueDate: iso(at + 30 * 24 * 60 * MINUTE).slice(0, 10) } })]);
      status('billing', 2, invoiced, 'invoiced');
      status('erp', 3, shipped, 'SHIPPED', clerk);
      status('crm', 3, shipped + between(10_000, 120_000), 'shipped');
      steps.push(['billing', paid, builders.billing.build(paymentReceivedV1, { subjectId: payment, version: 1, occurredAt: iso(paid), correlationId, causationId: stableEventId('billing', invoiceIssuedV1.type, invoice, 1), data: { invoiceId: invoice, amount: amountPaid, currency: total.currency } })]);
      status('billing', 3, paid, 'paid');
      status('erp', 4, completed, 'COMPLETED', clerk);
      status('crm', 4, completed + between(10_000, 120_000), crmEnd);
      if (conflict === 'payment-amount') {
        planted.conflicts.push({ kind: 'payment-amount', subject: { type: 'invoice', id: invoice }, field: 'amount', values: { billing: total.amount, payments: amountPaid } });
      }
    }
    if (conflict === 'order-status') {
      planted.conflicts.push({ kind: 'order-status', subject, field: 'status', values: { erp: cancelled ? 'CANCELLED' : 'COMPLETED', crm: crmEnd, billing: cancelled ? 'void' : 'paid' } });
    }
    for (const [system, when, envelope] of steps) {
      if (system === dropped) continue;
      if (invalid && system === 'billing' && envelope.type === orderCreatedV1.type) {
        planted.invalid.push({ id: envelope.id, system, subject, field: 'data.total.amount', valid: envelope });
        emit(system, when, withAmountAsString(envelope as EventEnvelope<{ total: { amount: number } }>), true);
      } else {
        emit(system, when, envelope);
      }
    }
  }

  const deliveries = deliver(pending, random, faults, planted);
  return { deliveries, planted, uniqueEvents: pending.length - planted.invalid.length };
}

/** The connector bug the `invalid` fault plays: an amount serialised as a string, which the contract refuses. */
function withAmountAsString(envelope: EventEnvelope<{ total: { amount: number } }>): EventEnvelope<object> {
  return { ...envelope, data: { ...envelope.data, total: { ...envelope.data.total, amount: envelope.data.total.amount.toFixed(2) } } };
}

/** Each system sends with its own latency; then the delivery faults are applied. */
function deliver(pending: readonly Pending[], random: SeededRandom, faults: FaultRates, planted: PlantedFaults): Delivery[] {
  const timed = pending.map((p) => ({ at: p.occurred + random.int(LATENCY_MS[p.system] + 1), system: p.system, envelope: p.envelope, ...(p.invalid ? { fault: 'invalid' } : {}) }) as Delivery);
  timed.sort((a, b) => a.at - b.at);

  // Reorder: swap a status change with the same system's next one for that subject, keeping the slots' times.
  const nextOfSameKey = new Map<string, number>();
  const next: (number | undefined)[] = new Array(timed.length);
  for (let i = timed.length - 1; i >= 0; i--) {
    const d = timed[i]!;
    if (d.envelope.type !== 'order.status-changed') continue;
    const key = `${d.system}|${d.envelope.subject.id}`;
    next[i] = nextOfSameKey.get(key);
    nextOfSameKey.set(key, i);
  }
  const swapped = new Set<number>();
  for (let i = 0; i < timed.length; i++) {
    const j = next[i];
    if (j === undefined || swapped.has(i) || swapped.has(j) || !random.chance(faults.reorder)) continue;
    const older = timed[i]!;
    const newer = timed[j]!;
    timed[i] = { ...newer, at: older.at };
    timed[j] = { ...older, at: newer.at, fault: 'reordered' };
    swapped.add(i).add(j);
    planted.reordered.push(older.envelope.id);
  }

  const copies: Delivery[] = [];
  for (const d of timed) {
    // A refused delivery is sent once: its repeats would only raise the quarantine entry's attempt count.
    if (d.fault === 'invalid') continue;
    if (random.chance(faults.duplicates)) {
      copies.push({ at: d.at + random.int(2_001), system: d.system, envelope: d.envelope, fault: 'duplicate' });
      planted.duplicates.push(d.envelope.id);
    }
    if (random.chance(faults.lateRetries)) {
      copies.push({ at: d.at + 10 * MINUTE + random.int(50 * MINUTE), system: d.system, envelope: d.envelope, fault: 'late-retry' });
      planted.lateRetries.push(d.envelope.id);
    }
  }
  // Stable: a copy due at the same instant as an original goes after it.
  return [...timed, ...copies].sort((a, b) => a.at - b.at);
}
