import { hkdfSync } from 'node:crypto';
import {
  pathsOverlap,
  dataKey,
  ERASED,
  erasePersonalFields,
  parseSealed,
  revealPersonalFields,
  SealBrokenError,
  sealPersonalFields,
  sealValue,
  type DataKey,
} from './personal-fields';

const key1 = dataKey(1, Buffer.alloc(32, 1));
const key2 = dataKey(2, Buffer.alloc(32, 2));
const PATHS = ['name', 'email', 'contact.phone'];
const keys = (...available: DataKey[]) => (generation: number) => available.find((k) => k.generation === generation);

describe('personal fields: subject keys', () => {
  it('derives the two keys with HKDF-SHA256 (empty salt), as node:crypto computes it', () => {
    const material = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
    const key = dataKey(3, material);
    expect(key.generation).toBe(3);
    expect(key.encryption.equals(Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'concord personal data: AES-256-GCM', 32)))).toBe(true);
    expect(key.synthesis.equals(Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'concord personal data: synthetic IV', 32)))).toBe(true);
  });

  it('refuses key material of another length', () => {
    expect(() => dataKey(1, Buffer.alloc(16))).toThrow(/32 bytes, not 16/);
  });
});

describe('personal fields: sealing', () => {
  it('given a record with personal fields, when sealed, then only those fields change, each to a pd1 string of its key generation', () => {
    const data = { name: 'Ada Lovelace', email: 'ada@example.com', status: 'active', contact: { phone: '+44 1', city: 'London' } };
    const sealed = sealPersonalFields(data, PATHS, key2, 'crm-1');
    expect(sealed.status).toBe('active');
    expect((sealed.contact as Record<string, unknown>).city).toBe('London');
    for (const value of [sealed.name, sealed.email, (sealed.contact as Record<string, unknown>).phone]) {
      expect(value).toMatch(/^pd1:2:[A-Za-z0-9_-]+$/);
      expect(JSON.stringify(value)).not.toMatch(/Ada|ada@|\+44/);
    }
    expect(data.name).toBe('Ada Lovelace'); // the input is not modified
  });

  it('given absent personal fields, when sealed, then they stay absent and the same object comes back', () => {
    const data = { status: 'active' };
    expect(sealPersonalFields(data, PATHS, key1, 'crm-1')).toBe(data);
  });

  it('is deterministic per event, field and value (a retry is a duplicate), and differs across events, fields and values', () => {
    const a = sealValue(key1, 'crm-1', 'name', 'Ada');
    expect(sealValue(key1, 'crm-1', 'name', 'Ada')).toBe(a);
    expect(sealValue(key1, 'crm-2', 'name', 'Ada')).not.toBe(a);
    expect(sealValue(key1, 'crm-1', 'email', 'Ada')).not.toBe(a);
    const other = sealValue(key1, 'crm-1', 'name', 'Adb');
    expect(other).not.toBe(a);
    // Different values never share the IV (the first 12 bytes): GCM must never reuse one under a key.
    expect(parseSealed(other)!.bytes.subarray(0, 12).equals(parseSealed(a)!.bytes.subarray(0, 12))).toBe(false);
  });

  it('seals any JSON value, not only strings', () => {
    const data = { name: { first: 'Ada', last: 'L' }, email: null };
    const revealed = revealPersonalFields(sealPersonalFields(data, PATHS, key1, 'e'), PATHS, keys(key1), 'e');
    expect(revealed).toEqual(data);
  });
});

describe('personal fields: reading', () => {
  const stored = sealPersonalFields({ name: 'Ada', email: 'ada@example.com', status: 'active' }, PATHS, key1, 'crm-1');

  it('given the key, when read, then the values are back', () => {
    expect(revealPersonalFields(stored, PATHS, keys(key1), 'crm-1')).toEqual({ name: 'Ada', email: 'ada@example.com', status: 'active' });
  });

  it('given the key was destroyed, when read, then each personal field reads "[erased]" and the rest is intact', () => {
    expect(revealPersonalFields(stored, PATHS, keys(), 'crm-1')).toEqual({ name: ERASED, email: ERASED, status: 'active' });
  });

  it('given only another generation survives, when read, then fields of the destroyed generation are erased', () => {
    expect(revealPersonalFields(stored, PATHS, keys(key2), 'crm-1')).toEqual({ name: ERASED, email: ERASED, status: 'active' });
  });

  it('given a value stored before the field was declared personal, when read, then it is shown as stored', () => {
    const legacy = { name: 'Ada', status: 'active' };
    expect(revealPersonalFields(legacy, PATHS, keys(key1), 'crm-1')).toBe(legacy);
  });

  it('given a ciphertext with one byte altered, when read, then it refuses to answer instead of showing a wrong value', () => {
    const bytes = parseSealed(stored.name)!.bytes;
    bytes[20] = bytes[20]! ^ 1;
    const altered = { ...stored, name: `pd1:1:${bytes.toString('base64url')}` };
    expect(() => revealPersonalFields(altered, PATHS, keys(key1), 'crm-1')).toThrow(SealBrokenError);
  });

  it('given a ciphertext moved to another event or another field, when read, then it does not authenticate', () => {
    expect(() => revealPersonalFields(stored, PATHS, keys(key1), 'crm-2')).toThrow(/data.name of event "crm-2"/);
    const swapped = { ...stored, name: stored.email };
    expect(() => revealPersonalFields(swapped, PATHS, keys(key1), 'crm-1')).toThrow(SealBrokenError);
  });

  it('given a truncated ciphertext, when read, then it refuses', () => {
    const short = { name: `pd1:1:${Buffer.alloc(28).toString('base64url')}` };
    expect(() => revealPersonalFields(short, PATHS, keys(key1), 'crm-1')).toThrow(SealBrokenError);
  });

  it('does not take look-alike strings for sealed values', () => {
    for (const text of ['pd1:', 'pd1:1:abc', 'pd1:0:' + 'A'.repeat(40), 'pd1:x:' + 'A'.repeat(40), 'pd1:1:' + 'A'.repeat(39) + '='])
      expect(parseSealed(text)).toBeUndefined();
    expect(parseSealed(42)).toBeUndefined();
  });
});

describe('personal fields: erasing a read model', () => {
  it('replaces the present personal fields and nothing else', () => {
    const view = { name: 'Ada', status: 'active', contact: { city: 'London', phone: '+44' } };
    expect(erasePersonalFields(view, PATHS)).toEqual({ name: ERASED, status: 'active', contact: { city: 'London', phone: ERASED } });
    expect(erasePersonalFields({ status: 'x' }, PATHS)).toEqual({ status: 'x' });
  });
});

describe('personal fields: overlapping paths', () => {
  it('given two data paths, they overlap when equal or one lies inside the other; siblings and prefixes of a name do not', () => {
    expect(pathsOverlap(['email'], ['email'])).toBe(true);
    expect(pathsOverlap(['contact'], ['contact', 'phone'])).toBe(true);
    expect(pathsOverlap(['contact', 'phone'], ['contact'])).toBe(true);
    expect(pathsOverlap(['contact', 'fax'], ['contact', 'phone'])).toBe(false);
    expect(pathsOverlap(['emails'], ['email'])).toBe(false);
  });
});
