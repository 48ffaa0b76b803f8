import { diffFields } from './diff';
import { flatten, sameValue, showValue } from './fields';

describe('diffFields', () => {
  it('lists added, removed and changed leaves by path', () => {
    expect(diffFields({ status: 'OPEN', total: { amount: 10 }, gone: 1 }, { status: 'DONE', total: { amount: 10, currency: 'EUR' } })).toEqual([
      { path: 'gone', kind: 'removed', before: 1 },
      { path: 'status', kind: 'changed', before: 'OPEN', after: 'DONE' },
      { path: 'total.currency', kind: 'added', after: 'EUR' },
    ]);
  });

  it('from nothing, every field is added; equal documents give no changes', () => {
    expect(diffFields(undefined, { a: 1 })).toEqual([{ path: 'a', kind: 'added', after: 1 }]);
    expect(diffFields({ a: { b: [1, 2] } }, { a: { b: [1, 2] } })).toEqual([]);
  });

  it('compares arrays whole and sees a value turning into an object', () => {
    expect(diffFields({ tags: [1, 2] }, { tags: [2, 1] })).toEqual([{ path: 'tags', kind: 'changed', before: [1, 2], after: [2, 1] }]);
    expect(diffFields({ a: 1 }, { a: { b: 2 } })).toEqual([
      { path: 'a', kind: 'removed', before: 1 },
      { path: 'a.b', kind: 'added', after: 2 },
    ]);
  });
});

describe('fields', () => {
  it('flattens objects, keeps empty objects and arrays as leaves', () => {
    expect([...flatten({ b: { c: 1, d: {} }, a: [1] })]).toEqual([
      ['a', [1]],
      ['b.c', 1],
      ['b.d', {}],
    ]);
    expect([...flatten('scalar')]).toEqual([]);
  });

  it('compares regardless of key order, and shows values as text', () => {
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue(1, '1')).toBe(false);
    expect([showValue(undefined), showValue('x'), showValue(null), showValue({ a: 1 })]).toEqual(['—', 'x', 'null', '{"a":1}']);
  });
});
