import { diffFields } from './field-diff';

describe('diffFields', () => {
  it('given no document before, every leaf field is added', () => {
    expect(diffFields(undefined, { status: 'OPEN', total: { amount: 100, currency: 'EUR' } })).toEqual([
      { path: 'status', kind: 'added', after: 'OPEN' },
      { path: 'total.amount', kind: 'added', after: 100 },
      { path: 'total.currency', kind: 'added', after: 'EUR' },
    ]);
  });

  it('given nested objects, names only the leaves that changed', () => {
    expect(diffFields({ status: 'OPEN', total: { amount: 100, currency: 'EUR' } }, { status: 'OPEN', total: { amount: 120, currency: 'EUR' } })).toEqual([
      { path: 'total.amount', kind: 'changed', before: 100, after: 120 },
    ]);
  });

  it('reports removed fields and keeps null apart from absent', () => {
    expect(diffFields({ a: 1, b: null }, { b: 1, c: null })).toEqual([
      { path: 'a', kind: 'removed', before: 1 },
      { path: 'b', kind: 'changed', before: null, after: 1 },
      { path: 'c', kind: 'added', after: null },
    ]);
  });

  it('compares arrays whole and ignores key order inside values', () => {
    expect(diffFields({ tags: ['a', 'b'], x: [{ p: 1, q: 2 }] }, { tags: ['b', 'a'], x: [{ q: 2, p: 1 }] })).toEqual([
      { path: 'tags', kind: 'changed', before: ['a', 'b'], after: ['b', 'a'] },
    ]);
  });

  it('an object replaced by a value (or the reverse) is one change at that field', () => {
    expect(diffFields({ total: { amount: 1 } }, { total: 5 })).toEqual([{ path: 'total', kind: 'changed', before: { amount: 1 }, after: 5 }]);
    expect(diffFields({ total: 5 }, { total: { amount: 1 } })).toEqual([{ path: 'total', kind: 'changed', before: 5, after: { amount: 1 } }]);
  });

  it('an empty object appearing or vanishing is named itself', () => {
    expect(diffFields({}, { meta: {} })).toEqual([{ path: 'meta', kind: 'added', after: {} }]);
    expect(diffFields({ meta: { a: 1 } }, {})).toEqual([{ path: 'meta.a', kind: 'removed', before: 1 }]);
    expect(diffFields({ meta: {} }, {})).toEqual([{ path: 'meta', kind: 'removed', before: {} }]);
  });

  it('given equal documents, there is nothing to report', () => {
    expect(diffFields({ a: { b: [1] } }, { a: { b: [1] } })).toEqual([]);
    expect(diffFields(undefined, undefined)).toEqual([]);
  });
});
