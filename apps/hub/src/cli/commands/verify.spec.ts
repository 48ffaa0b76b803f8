import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSealKey, type SealKey } from '@concord/audit';
import { aSealKey, Tamperer, writeSealedLog } from '@concord/audit/testing';
import { cli } from '../cli-harness';

describe('npm run concord -- verify', () => {
  let dir: string;
  let key: SealKey;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-cli-verify-'));
    key = loadOrCreateSealKey(join(dir, 'seal-key.pem')).key;
    await writeSealedLog(dir, key, { events: 30, sealEvery: 10 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports OK with counts and the seals it checked, exit 0', async () => {
    const { code, out } = await cli(dir, 'verify', '--threads', '2');
    expect(out).toMatch(/^OK: 30 events in 3 streams, positions 1\.\.30, every hash and link verified; 3 seal\(s\) verified \(last #3 at position 30, .+\); 0 event\(s\) after it/);
    expect(code).toBe(0);
  });

  it('names the first broken link with expected and found hashes, exit 1', async () => {
    const t = Tamperer.open(join(dir, 'events.db'));
    t.alterPayloadByte(14);
    t.close();
    const { code, out } = await cli(dir, 'verify');
    expect(code).toBe(1);
    expect(out).toMatch(/^BROKEN at position 14: content-changed \(stream order-B, revision 4\)\n {2}expected: [0-9a-f]{64}\n {2}found: {4}[0-9a-f]{64}\n/);
  });

  it('--json prints the report as one JSON line', async () => {
    const { code, out } = await cli(dir, 'verify', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, events: 30, streams: 3, seals: { total: 3, matched: 3 } });
  });

  it('--public-key trusts only the given keys: seals by another key fail', async () => {
    const other = join(dir, 'other.pem');
    writeFileSync(other, aSealKey().publicKey.export({ format: 'pem', type: 'spki' }));
    const { code, out } = await cli(dir, 'verify', '--public-key', other);
    expect(code).toBe(1);
    expect(out).toContain('BROKEN at position 10: seal-invalid (seal #1)');
    const mine = join(dir, 'mine.pem');
    writeFileSync(mine, key.publicKey.export({ format: 'pem', type: 'spki' }));
    expect((await cli(dir, 'verify', '--public-key', other, '--public-key', mine)).code).toBe(0);
  });

  it('refuses bad options and a missing log with exit 2', async () => {
    expect((await cli(dir, 'verify', '--threads', '0')).code).toBe(2);
    expect((await cli(dir, 'verify', '--public-key', join(dir, 'nope.pem'))).code).toBe(2);
    const empty = mkdtempSync(join(tmpdir(), 'concord-cli-verify-empty-'));
    try {
      const missing = await cli(empty, 'verify');
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('no event log at');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
