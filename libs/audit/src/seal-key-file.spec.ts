import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSealKey, readSealKey, SealKeyFileError } from './seal-key-file';
import { publicKeysOf, sealSignatureProblem, signSeal } from './seal';

describe('the seal key file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'concord-seal-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created on first use with mode 0600 (in missing directories), and the same key is read afterwards', () => {
    const file = join(dir, 'nested', 'seal-key.pem');
    const first = loadOrCreateSealKey(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('BEGIN PRIVATE KEY');
    const second = loadOrCreateSealKey(file);
    expect(second.created).toBe(false);
    expect(second.key.keyId).toBe(first.key.keyId);
    expect(first.key.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
  });

  it('is refused when group or others may read it, naming the fix', () => {
    const file = join(dir, 'seal-key.pem');
    loadOrCreateSealKey(file);
    chmodSync(file, 0o644);
    expect(() => readSealKey(file)).toThrow(new SealKeyFileError(`the seal key ${file} is accessible to others (mode 0644): run chmod 600 on it`));
  });

  it('is refused when it is not an Ed25519 private key', () => {
    const file = join(dir, 'seal-key.pem');
    writeFileSync(file, 'not a key', { mode: 0o600 });
    expect(() => readSealKey(file)).toThrow(SealKeyFileError);
  });

  it('signs seals that verify under its public key only, and only unchanged', () => {
    const { key } = loadOrCreateSealKey(join(dir, 'k.pem'));
    const other = loadOrCreateSealKey(join(dir, 'other.pem')).key;
    const seal = signSeal(key, { seq: 1, position: 10, events: 10, digest: 'a'.repeat(64), sealedAt: '2026-11-21T10:00:00.000Z' });
    const keys = publicKeysOf([key.publicKey]);
    expect(sealSignatureProblem(seal, keys)).toBeUndefined();
    for (const changed of [{ position: 11 }, { events: 9 }, { digest: 'b'.repeat(64) }, { seq: 2 }, { sealedAt: '2026-11-21T10:00:00.001Z' }]) {
      expect(sealSignatureProblem({ ...seal, ...changed }, keys)).toContain('signature does not match');
    }
    expect(sealSignatureProblem(seal, publicKeysOf([other.publicKey]))).toContain('not among the trusted public keys');
  });
});
