import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tamperer } from '@concord/audit/testing';
import { startTestHub, type TestHub } from './support/test-hub';
import { anOrderCreated } from './support/events';

/** Seals every 5 events; the hub's own sealing follows the live log, so tests wait for it. */
const ENV = { CONCORD_SEAL_EVERY_EVENTS: '5' };

async function publish(hub: TestHub, from: number, to: number): Promise<void> {
  const events = [];
  for (let i = from; i <= to; i++) events.push(anOrderCreated({ id: `erp-evt-${i}`, subject: { type: 'order', id: `SO-${i % 3}` } }));
  const answer = await hub.post('/v1/events', { events });
  expect(answer.status).toBe(200);
  expect(answer.body.results.every((r: { status: string }) => r.status === 'appended')).toBe(true);
}

async function sealsWhen(hub: TestHub, done: (seals: Array<Record<string, unknown>>) => boolean): Promise<Array<Record<string, any>>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { body } = await hub.get('/v1/audit/seals?limit=500');
    if (done(body.seals)) return body.seals;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the seals did not appear');
}

async function verified(hub: TestHub): Promise<Record<string, any>> {
  const started = await hub.post('/v1/audit/verify', {});
  expect(started.status).toBe(202);
  for (let attempt = 0; attempt < 400; attempt++) {
    const { body } = await hub.get('/v1/audit/verify');
    if (body.state !== 'running') return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the verification did not finish');
}

describe('seals over HTTP', () => {
  let dataDir: string;
  let hub: TestHub;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'concord-e2e-seals-'));
    hub = await startTestHub({ dataDir, env: ENV });
  });
  afterEach(async () => {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the key file (0600) on first start and serves its public key', async () => {
    expect(statSync(join(dataDir, 'seal-key.pem')).mode & 0o777).toBe(0o600);
    const { status, body } = await hub.get('/v1/audit/public-key');
    expect(status).toBe(200);
    expect(body).toMatchObject({ algorithm: 'Ed25519', keyId: expect.stringMatching(/^ed25519:[0-9a-f]{16}$/), publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });
    expect(Buffer.from(body.publicKeyBase64, 'base64')).toHaveLength(32);
  });

  it('seals every N events as the log grows; each seal verifies under the served public key', async () => {
    await publish(hub, 1, 12);
    const seals = await sealsWhen(hub, (s) => s.length >= 2);
    expect(seals.map((s) => [s.seq, s.position, s.events])).toEqual([
      [1, 5, 5],
      [2, 10, 10],
    ]);
    const key = createPublicKey((await hub.get('/v1/audit/public-key')).body.publicKeyPem);
    for (const seal of seals) {
      const { signature, ...signed } = seal;
      const text = JSON.stringify({ digest: signed.digest, events: signed.events, format: 'concord-seal/1', keyId: signed.keyId, position: signed.position, sealedAt: signed.sealedAt, seq: signed.seq });
      expect(verify(null, Buffer.from(text), key, Buffer.from(signature, 'base64'))).toBe(true);
    }
    const metrics = (await hub.get('/metrics')).text;
    expect(metrics).toMatch(/^concord_seal_last_position 10$/m);
    expect(metrics).toMatch(/^concord_seal_halted 0$/m);
    const page = await hub.get('/v1/audit/seals?after=1&limit=1');
    expect(page.body).toMatchObject({ seals: [{ seq: 2 }], nextAfter: 2, sealer: { sealEveryEvents: 5, headPosition: 12, lag: 2, lastSeq: 2 } });
  });

  it('POST /v1/audit/seals seals the head now, once; an empty log has nothing to seal (409)', async () => {
    const empty = await hub.post('/v1/audit/seals', {});
    expect(empty.status).toBe(409);
    expect(empty.body.reason).toBe('nothing-to-seal');
    await publish(hub, 1, 7);
    const first = await hub.post('/v1/audit/seals', {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: true, seal: { position: 7, events: 7 } });
    expect((await hub.post('/v1/audit/seals', {})).body).toEqual({ created: false, seal: first.body.seal });
    const all = await sealsWhen(hub, (s) => s.length >= 2);
    expect(all.map((s) => s.position)).toEqual([5, 7]);
  });

  it('refuses malformed paging, and input to the POSTs that take none, with 400', async () => {
    for (const query of ['limit=0', 'limit=501', 'after=-1', 'after=x', 'other=1']) expect((await hub.get(`/v1/audit/seals?${query}`)).status).toBe(400);
    for (const url of ['/v1/audit/seals', '/v1/audit/verify']) {
      for (const body of [{ position: 3 }, [1], 'x']) expect({ url, body, status: (await hub.post(url, body)).status }).toEqual({ url, body, status: 400 });
    }
    expect((await hub.get('/v1/audit/seals')).body.seals).toEqual([]);
  });

  it('verifies over HTTP: clean after restarts, and a seal swapped in the SQLite file is named by position', async () => {
    expect((await hub.get('/v1/audit/verify')).body).toEqual({ state: 'idle' });
    await publish(hub, 1, 11);
    await sealsWhen(hub, (s) => s.length >= 2);
    const keyId = (await hub.get('/v1/audit/public-key')).body.keyId;
    await hub.close({ keepData: true });

    hub = await startTestHub({ dataDir, env: ENV });
    expect((await hub.get('/v1/audit/public-key')).body.keyId).toBe(keyId);
    await publish(hub, 12, 16);
    const seals = await sealsWhen(hub, (s) => s.length >= 3);
    expect(seals.map((s) => [s.seq, s.position])).toEqual([
      [1, 5],
      [2, 10],
      [3, 15],
    ]);
    expect(await verified(hub)).toMatchObject({ state: 'ok', events: 16, streams: 3, seals: { total: 3, matched: 3, unsealedEvents: 1 } });
    await hub.close({ keepData: true });

    const tamper = Tamperer.open(join(dataDir, 'seals.db'));
    tamper.swapSeals(2, 3);
    tamper.close();
    hub = await startTestHub({ dataDir, env: ENV });
    expect(await verified(hub)).toMatchObject({ state: 'broken', broken: { kind: 'seal-invalid', position: 15, seal: 2 } });
    // and the hub will not sign onwards from the edited seal file
    const refused = await hub.post('/v1/audit/seals', {});
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('seals-tampered');
    expect((await hub.get('/v1/audit/seals')).body.sealer.halted.message).toContain('seal #3');
    expect((await hub.get('/v1/status')).body.sections.seals).toMatchObject({ severity: 'critical' });
    expect((await hub.get('/metrics')).text).toMatch(/^concord_seal_halted 1$/m);
  }, 30_000);
});
