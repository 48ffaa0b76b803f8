import {
  addToSummary,
  emptySummary,
  evolveItem,
  hasActiveItem,
  isNoChange,
  mismatchOf,
  missingOf,
  noChange,
  tallyItem,
  withSlot,
  type SourceFacts,
} from './reconciliation-model';
import { parseReconciliationRules } from './reconciliation-rules';

const rules = parseReconciliationRules({
  entities: {
    order: {
      sources: ['erp', 'crm', 'billing'],
      graceSeconds: 60,
      fields: {
        status: { path: 'status', map: { erp: { COMPLETED: 'done' }, crm: { closed: 'done' } } },
        amount: { path: 'total.amount', tolerance: 0.01 },
      },
    },
  },
});
const order = rules.entities.get('order')!;
const statusField = order.fields.find((f) => f.name === 'status')!;
const amountField = order.fields.find((f) => f.name === 'amount')!;

function facts(firstEventId: string, fields: Record<string, unknown> = {}): SourceFacts {
  return {
    firstSeenAt: '2026-11-21T09:00:00.000Z',
    firstEventId,
    lastEventId: firstEventId,
    lastOccurredAt: '2026-11-21T09:00:00Z',
    events: 1,
    staleEvents: 0,
    fields: Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { value, eventId: `${firstEventId}-${name}` }])),
  };
}

describe('missingOf', () => {
  it('given every required system knows the entity, finds nothing missing', () => {
    expect(missingOf(order, { erp: facts('e1'), crm: facts('c1'), billing: facts('b1') })).toBeUndefined();
  });

  it('given billing does not know the entity yet, names the event that made each other system know it and null for billing', () => {
    expect(missingOf(order, { erp: facts('e1'), crm: facts('c1') })).toEqual({
      kind: 'missing',
      reason: 'missing',
      values: { erp: 'e1', crm: 'c1', billing: null },
      evidence: ['e1', 'c1'],
    });
  });

  it('given a system the rules do not name, does not count it as knowing the entity', () => {
    expect(missingOf(order, { erp: facts('e1'), sap: facts('s1') })?.values).toEqual({ erp: 'e1', crm: null, billing: null });
  });
});

describe('mismatchOf', () => {
  it('given values that agree in the canonical vocabulary, finds no mismatch', () => {
    expect(mismatchOf(statusField, { erp: facts('e1', { status: 'COMPLETED' }), crm: facts('c1', { status: 'closed' }) })).toBeUndefined();
  });

  it('given values that disagree in the canonical vocabulary, shows each value, its canonical form and the events that set them', () => {
    expect(mismatchOf(statusField, { erp: facts('e1', { status: 'COMPLETED' }), crm: facts('c1', { status: 'open' }), billing: facts('b1', { status: 'paid' }) })).toEqual({
      kind: 'mismatch',
      field: 'status',
      reason: 'unmapped',
      values: { erp: 'COMPLETED', crm: 'open', billing: 'paid' },
      canonical: { erp: 'done', crm: null, billing: 'paid' },
      unmapped: ['crm'],
      evidence: ['e1-status', 'c1-status', 'b1-status'],
    });
  });

  it('given values without a map, compares them as reported: equal agrees, different differs, null is a value', () => {
    const currency = parseReconciliationRules({ entities: { order: { sources: ['erp', 'crm'], graceSeconds: 60, fields: { currency: 'currency' } } } }).entities.get('order')!.fields[0]!;
    expect(mismatchOf(currency, { erp: facts('e1', { currency: 'EUR' }), crm: facts('c1', { currency: 'EUR' }) })).toBeUndefined();
    expect(mismatchOf(currency, { erp: facts('e1', { currency: 'EUR' }), crm: facts('c1', { currency: 'USD' }) })).toMatchObject({ reason: 'differs', values: { erp: 'EUR', crm: 'USD' } });
    expect(mismatchOf(currency, { erp: facts('e1', { currency: null }), crm: facts('c1', { currency: 'EUR' }) })).toMatchObject({ reason: 'differs', values: { erp: null, crm: 'EUR' } });
  });

  it('given object values, compares them by content whatever their key order', () => {
    const address = parseReconciliationRules({ entities: { order: { sources: ['erp', 'crm'], graceSeconds: 60, fields: { address: 'address' } } } }).entities.get('order')!.fields[0]!;
    expect(mismatchOf(address, { erp: facts('e1', { address: { city: 'Oslo', zip: '0150' } }), crm: facts('c1', { address: { zip: '0150', city: 'Oslo' } }) })).toBeUndefined();
    expect(mismatchOf(address, { erp: facts('e1', { address: { city: 'Oslo' } }), crm: facts('c1', { address: { city: 'Bergen' } }) })).toMatchObject({ reason: 'differs' });
  });

  it('given a single system reporting the field, cannot compare it yet', () => {
    expect(mismatchOf(amountField, { erp: facts('e1', { amount: 10 }), crm: facts('c1') })).toBeUndefined();
  });

  it('given amounts within tolerance, agrees; beyond it, differs', () => {
    expect(mismatchOf(amountField, { erp: facts('e1', { amount: 10 }), crm: facts('c1', { amount: 10.004 }) })).toBeUndefined();
    expect(mismatchOf(amountField, { erp: facts('e1', { amount: 10 }), crm: facts('c1', { amount: 10.02 }) })).toMatchObject({ reason: 'differs', values: { erp: 10, crm: 10.02 } });
  });
});

describe('summary tallies', () => {
  it('given an item going from pending to open, moves one count from pending to its kind', () => {
    const delta = noChange();
    tallyItem(delta, { status: 'pending', kind: 'missing' }, -1);
    tallyItem(delta, { status: 'open', kind: 'missing' }, 1);
    expect(delta).toEqual({ ...noChange(), pending: -1, missing: 1 });
    expect(addToSummary({ ...emptySummary('order'), pending: 3 }, delta)).toEqual({ ...emptySummary('order'), pending: 2, missing: 1 });
  });

  it('given items that are resolved, cleared or absent, counts nothing for them', () => {
    const delta = noChange();
    tallyItem(delta, { status: 'resolved', kind: 'mismatch' }, 1);
    tallyItem(delta, { status: 'cleared', kind: 'mismatch' }, -1);
    tallyItem(delta, undefined, 1);
    expect(isNoChange(delta)).toBe(true);
  });

  it('given any non-zero count, is a change', () => {
    expect(isNoChange({ ...noChange(), duplicate: -1 })).toBe(false);
  });
});

describe('hasActiveItem', () => {
  it('given only cleared and resolved items, is false; given one pending or open, is true', () => {
    expect(hasActiveItem([])).toBe(false);
    expect(hasActiveItem([{ status: 'cleared', episode: 1 }, { status: 'resolved', episode: 2 }])).toBe(false);
    expect(hasActiveItem([{ status: 'cleared', episode: 1 }, { status: 'open', episode: 2 }])).toBe(true);
    expect(hasActiveItem([{ status: 'pending', episode: 1 }])).toBe(true);
  });
});

describe('withSlot', () => {
  const slots = [{ id: 'a', status: 'pending' as const, episode: 1 }, { id: 'b', status: 'cleared' as const, episode: 2 }];

  it('given a slot for an item already there, replaces it in place and leaves the input alone', () => {
    expect(withSlot(slots, { id: 'a', status: 'open', episode: 1 })).toEqual([{ id: 'a', status: 'open', episode: 1 }, slots[1]]);
    expect(slots[0]!.status).toBe('pending');
  });

  it('given a slot for a new item, adds it at the end', () => {
    expect(withSlot(slots, { id: 'c', status: 'pending', episode: 1 }).map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('evolveItem history', () => {
  const identity = { id: 'order/SO-1:mismatch:status', entityType: 'order', subject: { type: 'order', id: 'SO-1' } };
  const ctx = (n: number) => ({ eventId: `e${n}`, position: n, at: `2026-11-21T09:00:00.${String(n % 1000).padStart(3, '0')}Z`, graceSeconds: 60, rulesVersion: 'r@1' });
  const differs = (n: number) => ({ kind: 'mismatch' as const, field: 'status', reason: 'differs' as const, values: { erp: `S${n}`, crm: 'open' }, evidence: [`e${n}`, 'c1'] });

  it('given a disagreement that keeps changing past 200 steps, keeps how it began and the latest steps, and counts what it dropped', () => {
    let item = evolveItem(undefined, differs(1), identity, ctx(1));
    for (let n = 2; n <= 205; n++) item = evolveItem(item, differs(n), identity, ctx(n));
    expect(item!.history).toHaveLength(200);
    expect(item!.history[0]).toMatchObject({ change: 'disagreed', eventId: 'e1' });
    expect(item!.history[1]).toMatchObject({ change: 'changed', eventId: 'e7' });
    expect(item!.history[199]).toMatchObject({ change: 'changed', eventId: 'e205', values: { erp: 'S205', crm: 'open' } });
    expect(item!.historyDropped).toBe(5);
    expect(item).toMatchObject({ status: 'pending', episode: 1, values: { erp: 'S205' }, evidence: ['e205', 'c1'] });
  });

  it('given agreement while pending, clears the item and leaves the earlier item untouched', () => {
    const pending = evolveItem(undefined, differs(1), identity, ctx(1))!;
    const cleared = evolveItem(pending, undefined, identity, ctx(2))!;
    expect(cleared).toMatchObject({ status: 'cleared', endedAt: ctx(2).at, episode: 1 });
    expect(cleared.history.map((h) => h.change)).toEqual(['disagreed', 'cleared']);
    expect(pending.status).toBe('pending');
    expect(pending.history).toHaveLength(1);
  });

  it('given a disagreement after it cleared, starts a new episode (named by its log position) with the history of the first kept', () => {
    const cleared = evolveItem(evolveItem(undefined, differs(1), identity, ctx(1)), undefined, identity, ctx(2));
    const again = evolveItem(cleared, differs(3), identity, ctx(3))!;
    expect(again).toMatchObject({ status: 'pending', episode: 3, since: ctx(3).at });
    expect(again.history.map((h) => `${h.change}:${h.episode}`)).toEqual(['disagreed:1', 'cleared:1', 'disagreed:3']);
  });
});
