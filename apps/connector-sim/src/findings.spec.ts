import { findingsFor, type ReconItemView } from './findings';
import type { PlantedFaults } from './traffic';

const planted: PlantedFaults = {
  duplicates: [],
  lateRetries: [],
  reordered: [],
  bursts: [],
  invalid: [],
  missing: [{ system: 'billing', subject: { type: 'order', id: 'SO-2' } }],
  conflicts: [
    { kind: 'order-status', subject: { type: 'order', id: 'SO-1' }, field: 'status', values: { erp: 'COMPLETED', crm: 'cancelled' } },
    { kind: 'payment-amount', subject: { type: 'invoice', id: 'INV-3' }, field: 'amount', values: { billing: 20, payments: 10 } },
  ],
  twins: [{ email: 'a@example.com', customers: ['C-1', 'C-1B'] }],
};

const item = (over: Partial<ReconItemView>): ReconItemView => ({ id: 'i', kind: 'mismatch', entityType: 'order', values: {}, ...over });

describe('findingsFor', () => {
  it('pairs each planted disagreement with the item that reports it', () => {
    const items = [
      item({ id: 'm1', subject: { type: 'order', id: 'SO-1' }, field: 'status' }),
      item({ id: 'm2', entityType: 'invoice', subject: { type: 'invoice', id: 'INV-3' }, field: 'amount' }),
      item({ id: 'x1', kind: 'missing', subject: { type: 'order', id: 'SO-2' }, values: { billing: null } }),
      item({ id: 'd1', kind: 'duplicate', entityType: 'customer', source: 'crm', values: { crm: ['C-1', 'C-1B'] } }),
    ];
    expect(findingsFor(planted, items).map((f) => [f.planted, f.subject, f.item?.id])).toEqual([
      ['order-status', 'order/SO-1', 'm1'],
      ['payment-amount', 'invoice/INV-3', 'm2'],
      ['missing in billing', 'order/SO-2', 'x1'],
      ['twins', 'customer/C-1+C-1B', 'd1'],
    ]);
  });

  it('does not count an item about another field, entity or kind, nor a duplicate naming one twin only', () => {
    const items = [
      item({ subject: { type: 'order', id: 'SO-1' }, field: 'amount' }),
      item({ entityType: 'order', subject: { type: 'order', id: 'INV-3' }, field: 'amount' }),
      item({ kind: 'missing', subject: { type: 'order', id: 'SO-1' } }),
      item({ kind: 'mismatch', subject: { type: 'order', id: 'SO-2' }, field: 'status' }),
      item({ kind: 'duplicate', entityType: 'customer', values: { crm: ['C-1', 'C-10B'] } }),
    ];
    expect(findingsFor(planted, items).every((f) => f.item === undefined)).toBe(true);
  });
});
