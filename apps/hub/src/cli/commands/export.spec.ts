import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateSealKey, type SealKey } from '@concord/audit';
import { aSealKey, Tamperer, writeSealedLog } from '@concord/audit/testing';
import { cli } from '../cli-harness';

const VERIFIER = resolve(__dirname, '../../../../../tools/verify-bundle.mjs');

/** The standalone verifier as an auditor runs it: plain `node`, a public key file, a bundle. */
async function verifyBundle(bundle: string, publicKeyFile: string, ...extra: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [VERIFIER, '--public-key', publicKeyFile, bundle, ...extra], { env: {} });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

describe('npm run concord -- export, checked by tools/verify-bundle.mjs', () => {
  let dir: string;
  let key: SealKey;
  let publicKeyFile: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-cli-export-'));
    key = loadOrCreateSealKey(join(dir, 'seal-key.pem')).key;
    publicKeyFile = join(dir, 'hub.pub.pem');
    writeFileSync(publicKeyFile, key.publicKey.export({ format: 'pem', type: 'spki' }));
    // 30 events round-robin in order-A, order-B, order-C; seals at 10, 20, 30
    await writeSealedLog(dir, key, { events: 30, sealEvery: 10 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function exported(...range: string[]): Promise<string> {
    const out = join(dir, `bundle-${range.join('-') || 'all'}.jsonl`);
    const result = await cli(dir, 'export', '--out', out, ...range);
    expect(result.err).not.toContain('Error');
    expect(result.code).toBe(0);
    return out;
  }

  /** Rewrites the bundle's lines as an attacker with the file would. */
  function editLines(file: string, edit: (lines: string[]) => string[]): void {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${edit(lines).join('\n')}\n`);
  }
  const lineOf = (lines: string[], position: number) => lines.findIndex((l) => l.startsWith('{"kind":"event"') && JSON.parse(l).position === position);

  it('a whole-log bundle verifies clean against the public key, with counts and seals', async () => {
    const bundle = await exported();
    const lines = readFileSync(bundle, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 30 + 3 + 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'header', format: 'concord-audit-bundle/1', from: 1, to: 30, consecutivePositions: true, keyId: key.keyId });
    const result = await verifyBundle(bundle, publicKeyFile);
    expect(result.out).toMatch(/^OK: 30 events in 3 streams, positions 1\.\.30, key ed25519:[0-9a-f]{16}; 3 seal\(s\) verified, the last #3 at position 30 .*; 0 event\(s\) after it/);
    expect(result.code).toBe(0);
  });

  it('a window --from --to verifies from its start digest, proven by the seal inside it', async () => {
    const result = await verifyBundle(await exported('--from', '11', '--to', '25'), publicKeyFile, '--json');
    expect(JSON.parse(result.out)).toEqual({
      ok: true, from: 11, to: 25, events: 15, streams: 3, keyId: key.keyId, seals: 1,
      lastSeal: { seq: 2, position: 20, sealedAt: expect.any(String) }, unsealedEvents: 5, streamsStartingBeforeWindow: 3,
    });
  });

  it.each([
    ['an altered payload byte', (l: string[]) => ((l[lineOf(l, 14)] = l[lineOf(l, 14)]!.replace('"n":14', '"n":15')), l), 'BROKEN at position 14: content-changed (stream order-B, revision 4)'],
    ['a deleted event', (l: string[]) => l.filter((_, i) => i !== lineOf(l, 14)), 'BROKEN at position 14: missing-position'],
    ['two events reordered', (l: string[]) => { const a = lineOf(l, 13); [l[a], l[a + 1]] = [l[a + 1]!, l[a]!]; return l; }, 'BROKEN at position 13: missing-position'],
    ['a seal with another digest', (l: string[]) => l.map((x) => (x.includes('"kind":"seal"') && x.includes('"seq":2') ? x.replace(/"digest":"[0-9a-f]{64}"/, `"digest":"${'e'.repeat(64)}"`) : x)), 'BROKEN at position 20: seal-invalid (seal #2)'],
    ['a removed end (truncated)', (l: string[]) => l.slice(0, -2), 'BROKEN at position 30: truncated'],
  ])('detects %s and names the position', async (_label, edit, expected) => {
    const bundle = await exported();
    editLines(bundle, edit);
    const result = await verifyBundle(bundle, publicKeyFile);
    expect(result.out).toContain(expected);
    expect(result.code).toBe(1);
  });

  it('finds in the bundle what verify finds in the SQLite file: an altered payload, and a consistent rewrite only the seals catch', async () => {
    const t = Tamperer.open(join(dir, 'events.db'));
    t.alterPayloadByte(17);
    t.close();
    expect((await cli(dir, 'verify')).out).toContain('BROKEN at position 17: content-changed');
    expect((await verifyBundle(await exported('--to', '29'), publicKeyFile)).out).toContain('BROKEN at position 17: content-changed (stream order-B, revision 5)');
    const rewrite = Tamperer.open(join(dir, 'events.db'));
    rewrite.rehashFrom(17);
    rewrite.close();
    expect((await cli(dir, 'verify')).out).toContain('BROKEN at position 20: seal-mismatch (seal #2)');
    expect((await verifyBundle(await exported(), publicKeyFile)).out).toContain('BROKEN at position 20: seal-mismatch (seal #2)');
  });

  it('trusts only the public key it is given', async () => {
    const other = join(dir, 'other.pub.pem');
    writeFileSync(other, aSealKey().publicKey.export({ format: 'pem', type: 'spki' }));
    const result = await verifyBundle(await exported(), other);
    expect(result.code).toBe(1);
    expect(result.out).toContain('BROKEN at position 10: seal-invalid (seal #1)');
  });

  it('refuses to overwrite a file, a reversed range, and a missing --out (exit 2); the verifier refuses a bad key file (exit 2)', async () => {
    const bundle = await exported();
    expect((await cli(dir, 'export', '--out', bundle)).code).toBe(2);
    expect((await cli(dir, 'export', '--out', join(dir, 'x.jsonl'), '--from', '5', '--to', '4')).code).toBe(2);
    expect((await cli(dir, 'export')).code).toBe(2);
    expect((await verifyBundle(bundle, join(dir, 'seal-key.pem.missing'))).code).toBe(2);
  });
});
