import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

/**
 * The reference, written the obvious way: JSON.stringify for every scalar and
 * key, sorted keys, map/join. (A key-sorted copy passed to JSON.stringify would
 * not do: JavaScript objects put integer-like keys first whatever the insertion order.)
 */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${reference(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the key order of the input', () => {
    expect(canonicalJson({ id: 'e1', data: { x: 1, y: 2 } })).toBe(canonicalJson({ data: { y: 2, x: 1 }, id: 'e1' }));
  });

  it('sorts by UTF-16 code units: empty first, digits, upper case, lower case, then beyond ASCII', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, '10': 4, '9': 6, é: 5, '': 0 })).toBe('{"":0,"10":4,"9":6,"B":2,"a":3,"b":1,"é":5}');
  });

  it('leaves out undefined members and writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1], c: null })).toBe('{"b":[null,1],"c":null}');
  });

  it('writes strings exactly as JSON.stringify does, unicode and escapes included', () => {
    for (const text of ['plain', 'ünïcödé ✓', '日本語', '😀', 'quote " and \\ backslash', 'line\nbreak\ttab', '\u0000\u001f', 'lone \ud800 surrogate', '']) {
      expect(canonicalJson(text)).toBe(JSON.stringify(text));
      expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
    }
  });

  it('writes numbers as ECMAScript does (JCS), -0 as 0', () => {
    expect(canonicalJson([1, -0, 0.1, 1e21, 1e-7, 120.5, -3, Number.MAX_SAFE_INTEGER])).toBe('[1,0,0.1,1e+21,1e-7,120.5,-3,9007199254740991]');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(null)).toBe('null');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a bigint', BigInt(1)],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s rather than writing null', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
    expect(() => canonicalJson({ nested: [value] })).toThrow(TypeError);
  });

  it('refuses undefined as a whole document (it is not JSON)', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('equals the straightforward map/join serialization for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it('is stable under a parse and re-serialize round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
