import { compareSources } from './compare';

const view = (sources: Record<string, Record<string, unknown>>, state: Record<string, unknown> = {}) => ({
  state,
  sources: Object.fromEntries(Object.entries(sources).map(([s, st]) => [s, { state: st }])),
});

describe('compareSources', () => {
  it('given ERP COMPLETED and CRM pending, flags status as a disagreement on both sides', () => {
    const result = compareSources(view({ erp: { status: 'COMPLETED', customerId: 'C-1' }, crm: { status: 'pending', customerId: 'C-1' } }, { status: 'pending', customerId: 'C-1' }));
    expect(result.sources).toEqual(['crm', 'erp']);
    expect(result.disagreements).toBe(1);
    const status = result.rows.find((r) => r.path === 'status')!;
    expect(status).toMatchObject({ disagreement: true, merged: 'pending', partial: false });
    expect(status.cells.erp).toEqual({ reported: true, value: 'COMPLETED', differs: true });
    expect(status.cells.crm).toEqual({ reported: true, value: 'pending', differs: true });
    expect(result.rows.find((r) => r.path === 'customerId')).toMatchObject({ disagreement: false });
  });

  it('compares nested fields leaf by leaf and objects regardless of key order', () => {
    const result = compareSources(view({ erp: { total: { amount: 10, currency: 'EUR' }, tags: ['a'] }, billing: { total: { currency: 'EUR', amount: 10.5 }, tags: ['a'] } }));
    expect(result.rows.map((r) => [r.path, r.disagreement])).toEqual([
      ['tags', false],
      ['total.amount', true],
      ['total.currency', false],
    ]);
  });

  it('a field only one source reports is partial, not a disagreement', () => {
    const result = compareSources(view({ erp: { status: 'OPEN', note: 'x' }, crm: { status: 'OPEN' } }));
    const note = result.rows.find((r) => r.path === 'note')!;
    expect(note).toMatchObject({ disagreement: false, partial: true });
    expect(note.cells.crm).toEqual({ reported: false, differs: false });
    expect(result.disagreements).toBe(0);
  });

  it('with three sources, only the odd one out and those it differs from are marked', () => {
    const result = compareSources(view({ erp: { s: 'A' }, crm: { s: 'A' }, billing: { s: 'B' } }));
    const row = result.rows[0]!;
    expect([row.cells.erp!.differs, row.cells.crm!.differs, row.cells.billing!.differs]).toEqual([true, true, true]);
    const agreeing = compareSources(view({ erp: { s: 'A' }, crm: { s: 'A' }, billing: {} })).rows[0]!;
    expect(agreeing.disagreement).toBe(false);
  });

  it('treats null and a missing field differently, and an empty view as no rows', () => {
    const result = compareSources(view({ erp: { reason: null }, crm: { reason: 'late' } }));
    expect(result.rows[0]).toMatchObject({ path: 'reason', disagreement: true });
    expect(compareSources(view({}))).toEqual({ sources: [], rows: [], disagreements: 0 });
  });
});
