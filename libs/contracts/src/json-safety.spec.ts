import { exceedsJsonDepth, findJsonShapeProblem, MAX_JSON_DEPTH } from './json-safety';

function nested(levels: number, leaf: unknown = 1, key = 'a'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { [key]: value };
  return value;
}

function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

describe('findJsonShapeProblem', () => {
  it.each([
    ['a scalar', 5],
    ['null', null],
    ['an empty object', {}],
    ['a realistic event', { id: 'e', data: { lines: [{ sku: 'A', qty: 1 }], total: { amount: 1 } } }],
    ['keys that only look dangerous', { proto: 1, __proto: 2, Constructor: 3, prototypes: 4, ' __proto__': 5 }],
    ['forbidden words as values', { a: '__proto__', b: ['constructor', 'prototype'] }],
  ])('finds nothing wrong in %s', (_name, document) => {
    expect(findJsonShapeProblem(document)).toBeUndefined();
  });

  it.each([
    ['__proto__ at the root', '{"__proto__":{"polluted":1}}', '__proto__'],
    ['constructor at the root', '{"constructor":{"prototype":{"x":1}}}', 'constructor'],
    ['prototype in an object', '{"data":{"prototype":1}}', 'data.prototype'],
    ['__proto__ inside an array item', '{"data":{"lines":[{"ok":1},{"__proto__":{}}]}}', 'data.lines[1].__proto__'],
    ['a forbidden key in a root array', '[{"constructor":1}]', '[0].constructor'],
    ['a forbidden key in nested arrays', '{"a":[[{"prototype":1}]]}', 'a[0][0].prototype'],
  ])('finds %s with its path', (_name, text, path) => {
    expect(findJsonShapeProblem(JSON.parse(text))).toEqual({ kind: 'forbidden-key', path, message: expect.stringContaining(path) });
  });

  it('allows MAX_JSON_DEPTH nested containers and refuses one more, naming where', () => {
    expect(findJsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findJsonShapeProblem(nestedArrays(MAX_JSON_DEPTH))).toBeUndefined();
    const problem = findJsonShapeProblem(nested(MAX_JSON_DEPTH + 1));
    expect(problem).toMatchObject({ kind: 'too-deep', path: Array(MAX_JSON_DEPTH).fill('a').join('.') });
    expect(findJsonShapeProblem(nestedArrays(MAX_JSON_DEPTH + 1))).toMatchObject({ kind: 'too-deep' });
    expect(findJsonShapeProblem({}, 0)).toMatchObject({ kind: 'too-deep', path: '(root)' });
  });

  it('walks 10,000 and 100,000 levels without recursion', () => {
    expect(findJsonShapeProblem(nested(10_000))).toMatchObject({ kind: 'too-deep' });
    expect(findJsonShapeProblem(nestedArrays(100_000))).toMatchObject({ kind: 'too-deep' });
    expect(findJsonShapeProblem(nested(100_000), 200_000)).toBeUndefined();
  });

  it('reports a forbidden key in a parsed document even when it is the only key', () => {
    const parsed = JSON.parse('{"__proto__":null}') as object;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(findJsonShapeProblem(parsed)?.kind).toBe('forbidden-key');
  });
});

describe('exceedsJsonDepth', () => {
  it('counts the root object as level 0', () => {
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: {} }, 1)).toBe(true);
    expect(exceedsJsonDepth({ a: 1, b: [1, 2] }, 1)).toBe(true);
    expect(exceedsJsonDepth('text', 0)).toBe(false);
    expect(exceedsJsonDepth(null, 0)).toBe(false);
  });

  it('agrees with findJsonShapeProblem about depth', () => {
    for (const levels of [1, 5, 31, 32, 33, 34, 40]) {
      const document = nested(levels);
      expect(exceedsJsonDepth(document, MAX_JSON_DEPTH)).toBe(findJsonShapeProblem(document)?.kind === 'too-deep');
    }
  });

  it('handles 500,000 levels of arrays iteratively', () => {
    expect(exceedsJsonDepth(nestedArrays(500_000), 34)).toBe(true);
  });
});
