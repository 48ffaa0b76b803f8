import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@concord/event-store';
import { publicKeysOf, type SealKey } from './seal';
import { allSeals, SqliteSealStore } from './seal-store';
import { aSealKey, streamAt, Tamperer, writeSealedLog } from './testing';
import { verifyLog, type VerifyReport } from './verify-log';

/** Both ways of reading the log must find the same first break. */
const READERS = ['sqlite-file (workers, 7-event ranges)', 'event-store port (one pass)'] as const;

// Each case starts worker threads; on a shared 2-core machine that alone took over 5 s (CI at load 10).
jest.setTimeout(30_000);

describe.each(READERS)('verifyLog through %s', (reader) => {
  let dir: string;
  let key: SealKey;
  let files: { logFile: string; sealFile: string };

  beforeAll(() => (key = aSealKey()));
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-verify-'));
    // 30 events in streams A, B, C round-robin; seals #1..#3 at positions 10, 20, 30.
    files = await writeSealedLog(dir, key, { events: 30, sealEvery: 10 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function verify(trusted = [key.publicKey]): Promise<VerifyReport> {
    const sealStore = SqliteSealStore.open(files.sealFile, { readonly: true });
    const seals = await allSeals(sealStore);
    await sealStore.close();
    const keys = publicKeysOf(trusted);
    if (reader.startsWith('sqlite-file')) return verifyLog({ log: { kind: 'sqlite-file', file: files.logFile }, seals, keys, chunkSize: 7, threads: 2 });
    // Unchecked reads: the store itself would refuse the tampered rows this spec wants verify to name.
    const store = SqliteEventStore.open(files.logFile, { writer: 'inline', checkHistory: false });
    try {
      return await verifyLog({ log: { kind: 'event-store', store, consecutivePositions: true }, seals, keys });
    } finally {
      await store.close();
    }
  }

  function tamper(edit: (t: Tamperer) => void, file = files.logFile): void {
    const t = Tamperer.open(file);
    try {
      edit(t);
    } finally {
      t.close();
    }
  }

  it('a correct log verifies clean, with counts', async () => {
    const report = await verify();
    expect(report).toEqual({
      ok: true,
      head: 30,
      events: 30,
      streams: 3,
      seals: { total: 3, matched: 3, lastMatched: { seq: 3, position: 30, sealedAt: expect.any(String) }, unsealedEvents: 0 },
    });
  });

  it('still verifies clean after restarts that append and seal more', async () => {
    await writeSealedLog(dir, key, { events: 15, sealEvery: 10 });
    await writeSealedLog(dir, key, { events: 1, sealEvery: 10 });
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.events).toBe(46);
    expect(report.seals).toMatchObject({ total: 4, matched: 4, lastMatched: { seq: 4, position: 40 }, unsealedEvents: 6 });
  });

  it('an altered payload byte: content-changed at that exact position', async () => {
    tamper((t) => t.alterPayloadByte(14));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.broken).toMatchObject({ kind: 'content-changed', position: 14, ...streamAt(14) });
    expect(report.broken!.found).not.toBe(report.broken!.expected);
  });

  it('a deleted event: missing-position at that exact position', async () => {
    tamper((t) => t.deleteEvent(14));
    expect((await verify()).broken).toMatchObject({ kind: 'missing-position', position: 14, expected: 'position 14' });
  });

  it('a deleted first event: missing-position 1', async () => {
    tamper((t) => t.deleteEvent(1));
    expect((await verify()).broken).toMatchObject({ kind: 'missing-position', position: 1 });
  });

  it('the sealed end of the log deleted: the seal beyond the end names its position', async () => {
    tamper((t) => (t.deleteEvent(30), t.deleteEvent(29)));
    expect((await verify()).broken).toMatchObject({ kind: 'seal-mismatch', position: 30, seal: 3 });
  });

  it('two events of one stream reordered: revision-out-of-order at the earlier position', async () => {
    tamper((t) => t.swapPositions(13, 16));
    expect(streamAt(13).stream).toBe(streamAt(16).stream);
    expect((await verify()).broken).toMatchObject({ kind: 'revision-out-of-order', position: 13, stream: 'order-A', revision: 5, expected: 'revision 4' });
  });

  it('two events of different streams reordered: their stream chains hold, the digest does not match the next seal', async () => {
    tamper((t) => t.swapPositions(13, 14));
    const report = await verify();
    expect(report.broken).toMatchObject({ kind: 'seal-mismatch', position: 20, seal: 2 });
    expect(report.broken!.message).toContain('after seal #1 (position 10), which matches');
    expect(report.seals.matched).toBe(1);
  });

  it('a stream rewritten with consistent hashes after sealing: the next seal catches it', async () => {
    tamper((t) => (t.alterPayloadByte(15), t.rehashFrom(15)));
    expect((await verify()).broken).toMatchObject({ kind: 'seal-mismatch', position: 20, seal: 2 });
  });

  it('a link cut and re-joined: broken-link names the stream and revision', async () => {
    tamper((t) => t.exec(`UPDATE events SET prev_hash = '${'1'.repeat(64)}' WHERE position = 22`));
    expect((await verify()).broken).toMatchObject({ kind: 'broken-link', position: 22, ...streamAt(22), found: '1'.repeat(64) });
  });

  it('two seals swapped in the SQLite file: seal-invalid at the position the first swapped row now claims', async () => {
    tamper((t) => t.swapSeals(1, 2), files.sealFile);
    expect((await verify()).broken).toMatchObject({ kind: 'seal-invalid', position: 20, seal: 1 });
  });

  it('a seal moved to another position: its signature no longer holds', async () => {
    tamper((t) => t.exec('UPDATE seals SET position = 11 WHERE seq = 1'), files.sealFile);
    expect((await verify()).broken).toMatchObject({ kind: 'seal-invalid', position: 11, seal: 1 });
  });

  it('a deleted seal: the numbering gap shows at the next seal', async () => {
    tamper((t) => t.deleteSeal(2), files.sealFile);
    expect((await verify()).broken).toMatchObject({ kind: 'seal-invalid', position: 30, seal: 3, expected: 'seal #2' });
  });

  it('seals under a key that is not trusted do not verify', async () => {
    expect((await verify([aSealKey().publicKey])).broken).toMatchObject({ kind: 'seal-invalid', position: 10, seal: 1 });
  });

  it('the earliest break wins: a payload change before a broken seal is reported first', async () => {
    tamper((t) => t.swapSeals(2, 3), files.sealFile);
    tamper((t) => t.alterPayloadByte(5));
    expect((await verify()).broken).toMatchObject({ kind: 'content-changed', position: 5 });
  });
});

describe('verifyLog edge cases', () => {
  it('an empty log verifies clean with nothing sealed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-verify-empty-'));
    try {
      const store = SqliteEventStore.open(join(dir, 'events.db'), { writer: 'inline' });
      await store.close();
      const report = await verifyLog({ log: { kind: 'sqlite-file', file: join(dir, 'events.db') }, seals: [], keys: new Map() });
      expect(report).toEqual({ ok: true, head: 0, events: 0, streams: 0, seals: { total: 0, matched: 0, unsealedEvents: 0 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a break in a later range is found with every range before it clean (chunks joined in order)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-verify-ranges-'));
    try {
      const key = aSealKey();
      const { logFile, sealFile } = await writeSealedLog(dir, key, { events: 100, sealEvery: 0 });
      const t = Tamperer.open(logFile);
      t.alterPayloadByte(97);
      t.close();
      const seals = await allSeals(SqliteSealStore.open(sealFile, { readonly: true }));
      for (const chunkSize of [1, 48, 1000]) {
        const report = await verifyLog({ log: { kind: 'sqlite-file', file: logFile }, seals, keys: publicKeysOf([key.publicKey]), chunkSize, threads: 2 });
        expect(report.broken).toMatchObject({ kind: 'content-changed', position: 97 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
