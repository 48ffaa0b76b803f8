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

  describe('with the reconciliation rules’ verdicts', () => {
    const order = view(
      { erp: { status: 'COMPLETED', total: { amount: 120.5 } }, crm: { status: 'cancelled', total: { amount: 120.504 } }, billing: { status: 'paid', total: { amount: 120.5 } } },
      { status: 'cancelled' },
    );
    const status = (verdict: 'match' | 'mismatch' | 'unmapped', crm: { value: string; canonical: string | null }) => ({
      field: 'status',
      verdict,
      values: {
        erp: { present: true, value: 'COMPLETED', canonical: 'done', path: 'status' },
        crm: { present: true, ...crm, path: 'status' },
        billing: { present: true, value: 'paid', canonical: 'done', path: 'status' },
      },
    });
    const amount = { field: 'amount', verdict: 'match' as const, tolerance: 0.01, values: { erp: { present: true, value: 120.5, canonical: 120.5, path: 'total.amount' }, crm: { present: true, value: 120.504, canonical: 120.504, path: 'total.amount' }, billing: { present: true, value: 120.5, canonical: 120.5, path: 'total.amount' } } };

    it('given a status mismatch in meaning (done vs cancelled), marks the row and every cell whose meaning differs from another', () => {
      const result = compareSources(order, [status('mismatch', { value: 'cancelled', canonical: 'cancelled' }), amount]);
      const row = result.rows.find((r) => r.path === 'status')!;
      expect(row).toMatchObject({ disagreement: true, rule: { field: 'status', verdict: 'mismatch' } });
      expect(row.cells.erp).toEqual({ reported: true, value: 'COMPLETED', canonical: 'done', differs: true });
      expect(row.cells.crm).toEqual({ reported: true, value: 'cancelled', canonical: 'cancelled', differs: true });
      expect(row.cells.billing!.differs).toBe(true);
      expect(result.disagreements).toBe(1);
    });

    it('given different words with one meaning (COMPLETED, closed, paid), marks nothing, though the raw values differ', () => {
      const agreeing = view({ erp: { status: 'COMPLETED' }, crm: { status: 'closed' }, billing: { status: 'paid' } });
      expect(compareSources(agreeing).disagreements).toBe(1);
      const result = compareSources(agreeing, [status('match', { value: 'closed', canonical: 'done' })]);
      expect(result.disagreements).toBe(0);
      expect(Object.values(result.rows[0]!.cells).map((c) => c.differs)).toEqual([false, false, false]);
      expect(result.rows[0]!.cells.crm!.canonical).toBe('done');
    });

    it('given amounts within the rule’s tolerance, they agree; the verdict is matched to the row by path (total.amount)', () => {
      const result = compareSources(order, [amount]);
      const row = result.rows.find((r) => r.path === 'total.amount')!;
      expect(row).toMatchObject({ disagreement: false, rule: { field: 'amount', verdict: 'match' } });
      // status has no verdict here: compared as reported.
      expect(result.rows.find((r) => r.path === 'status')).toMatchObject({ disagreement: true });
      expect(result.rows.find((r) => r.path === 'status')!.rule).toBeUndefined();
    });

    it('given a value no mapping knows, marks only that cell, as unmapped', () => {
      const result = compareSources(order, [status('unmapped', { value: 'cancelled', canonical: null })]);
      const row = result.rows.find((r) => r.path === 'status')!;
      expect(row.disagreement).toBe(true);
      expect(row.cells.crm).toEqual({ reported: true, value: 'cancelled', differs: true, unmapped: true });
      expect([row.cells.erp!.differs, row.cells.billing!.differs]).toEqual([false, false]);
    });

    it('given a mismatch with a tolerance, a value within it of every other is not marked', () => {
      const amounts = view({ erp: { total: { amount: 120.5 } }, crm: { total: { amount: 120.504 } }, billing: { total: { amount: 121 } } });
      const verdict = { ...amount, verdict: 'mismatch' as const, values: { ...amount.values, billing: { present: true, value: 121, canonical: 121, path: 'total.amount' } } };
      const row = compareSources(amounts, [verdict]).rows[0]!;
      expect([row.cells.erp!.differs, row.cells.crm!.differs, row.cells.billing!.differs]).toEqual([true, true, true]);
      const twoClose = compareSources(view({ erp: { total: { amount: 120.5 } }, crm: { total: { amount: 120.504 } } }), [{ ...verdict, values: { erp: amount.values.erp, crm: amount.values.crm } }]).rows[0]!;
      expect([twoClose.cells.erp!.differs, twoClose.cells.crm!.differs]).toEqual([false, false]);
    });

    it('given a source the rule does not judge at that path, leaves its cell unmarked and shows no meaning', () => {
      const withExtra = view({ erp: { status: 'COMPLETED' }, crm: { status: 'cancelled' }, legacy: { status: 'X' } });
      const verdict = { field: 'status', verdict: 'mismatch' as const, values: { erp: { present: true, value: 'COMPLETED', canonical: 'done', path: 'status' }, crm: { present: true, value: 'cancelled', canonical: 'cancelled', path: 'status' } } };
      const row = compareSources(withExtra, [verdict]).rows[0]!;
      expect(row.cells.legacy).toEqual({ reported: true, value: 'X', differs: false });
      expect([row.cells.erp!.differs, row.cells.crm!.differs]).toEqual([true, true]);
    });
  });
});
