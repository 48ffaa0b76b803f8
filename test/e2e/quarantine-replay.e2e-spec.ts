import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@concord/common';
import { anOrderCreated } from './support/events';
import { startSecuredHub, type SecuredHub } from './support/secured-hub';
import { anOrderPlaced, SHOP_SECRET, signedHeaders, writeShopWebhookConfig } from './support/webhooks';

describe('quarantine replay', () => {
  let hub: SecuredHub;
  beforeEach(async () => {
    hub = await startSecuredHub();
  });
  afterEach(() => hub.close());

  const publish = async (event: Record<string, unknown>, key?: string) => (await hub.inject({ method: 'POST', url: '/v1/events', key, payload: { events: [event] } })).json().results[0];
  const entry = async (id: string) => (await hub.inject({ method: 'GET', url: `/v1/quarantine/${id}` })).json();
  const replay = (id: string, payload?: Record<string, unknown>) => hub.inject({ method: 'POST', url: `/v1/quarantine/${id}/replay`, ...(payload !== undefined ? { payload } : {}) });
  const auditTrail = async (quarantineId: string) => {
    const response = await hub.inject({ method: 'GET', url: `/v1/streams/quarantine-${quarantineId}` });
    return response.statusCode === 200 ? response.json().events : [];
  };

  it('given an input that is still invalid, then the attempt is recorded on the entry and in the log, and the entry stays open', async () => {
    const refused = await publish(anOrderCreated({ data: { customerId: 'C-1', status: 'OPEN', total: { amount: '12', currency: 'EUR' } } }));
    const response = await replay(refused.quarantineId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'open', attempt: { outcome: 'rejected', reason: 'contract-violation', by: expect.stringMatching(/^key-/) } });
    const after = await entry(refused.quarantineId);
    expect(after.replays).toHaveLength(1);
    expect((await hub.inject({ method: 'GET', url: '/v1/quarantine' })).json().items).toHaveLength(1);
    const trail = await auditTrail(refused.quarantineId);
    expect(trail).toEqual([expect.objectContaining({ source: 'concord', type: 'quarantine.replayed', data: expect.objectContaining({ outcome: 'rejected', corrected: false }) })]);
  });

  it('an admin may submit a corrected payload: it is stored, the entry resolved and kept; replaying again creates no second event', async () => {
    const bad = anOrderCreated({ data: { customerId: 'C-1', status: 'OPEN', total: { amount: '12', currency: 'EUR' } } });
    const refused = await publish(bad);
    const corrected = anOrderCreated({ data: { customerId: 'C-1', status: 'OPEN', total: { amount: 12, currency: 'EUR' } } });
    const first = (await replay(refused.quarantineId, { payload: corrected })).json();
    expect(first).toMatchObject({ status: 'resolved', attempt: { outcome: 'appended', eventId: 'erp-evt-1', position: 1 } });
    const second = (await replay(refused.quarantineId, { payload: corrected })).json();
    expect(second).toMatchObject({ status: 'resolved', attempt: { outcome: 'duplicate', eventId: 'erp-evt-1', position: 1 } });
    const stream = (await hub.inject({ method: 'GET', url: '/v1/streams/order-SO-1' })).json().events;
    expect(stream).toHaveLength(1);
    expect(stream[0].transport).toMatchObject({ kind: 'replay', quarantineId: refused.quarantineId, credential: expect.stringMatching(/^key-/) });
    const after = await entry(refused.quarantineId);
    expect(after).toMatchObject({ status: 'resolved', raw: JSON.stringify(bad) });
    expect(after.replays.map((r: { outcome: string }) => r.outcome)).toEqual(['appended', 'duplicate']);
    expect(JSON.parse(after.replays[0].correctedPayload)).toEqual(corrected);
    expect((await auditTrail(refused.quarantineId)).map((e: { data: { outcome: string } }) => e.data.outcome)).toEqual(['appended', 'duplicate']);
  });

  it('replays an event a connector could not publish for its source once an admin decides to', async () => {
    const connector = await hub.keyFor('connector', ['crm']);
    const refused = await publish(anOrderCreated({ source: 'erp' }), connector);
    expect(refused.reason).toBe('source-not-allowed');
    expect((await replay(refused.quarantineId)).json()).toMatchObject({ status: 'resolved', attempt: { outcome: 'appended' } });
  });

  it('a corrected payload with unsafe JSON is refused with 400 and nothing changes', async () => {
    const refused = await publish(anOrderCreated({ type: 'order.unknown' }));
    const response = await hub.inject({
      method: 'POST',
      url: `/v1/quarantine/${refused.quarantineId}/replay`,
      headers: { 'content-type': 'application/json' },
      payload: '{"payload":{"__proto__":{"polluted":true}}}',
    });
    expect(response.statusCode).toBe(400);
    expect((await entry(refused.quarantineId)).replays).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an unknown entry is 404; an analyst may read the quarantine but not replay', async () => {
    expect((await replay('q-does-not-exist')).statusCode).toBe(404);
    const refused = await publish(anOrderCreated({ type: 'order.unknown' }));
    const analyst = await hub.keyFor('analyst');
    expect((await hub.inject({ method: 'GET', url: `/v1/quarantine/${refused.quarantineId}`, key: analyst })).statusCode).toBe(200);
    expect((await hub.inject({ method: 'POST', url: `/v1/quarantine/${refused.quarantineId}/replay`, key: analyst })).statusCode).toBe(403);
    expect((await entry(refused.quarantineId)).replays).toEqual([]);
  });

  it('bulk replay by filter reports per entry and touches only matching open entries', async () => {
    const crm = await hub.keyFor('connector', ['crm']);
    const a = await publish(anOrderCreated({ id: 'a', source: 'erp' }), crm);
    const b = await publish(anOrderCreated({ id: 'b', source: 'erp', subject: { type: 'order', id: 'SO-2' } }), crm);
    const other = await publish(anOrderCreated({ id: 'c', type: 'order.unknown' }));
    const response = await hub.inject({ method: 'POST', url: '/v1/quarantine/replay', payload: { reason: 'source-not-allowed' } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.summary).toEqual({ replayed: 2, resolved: 2, stillRejected: 0 });
    expect(body.results.map((r: { quarantineId: string }) => r.quarantineId).sort()).toEqual([a.quarantineId, b.quarantineId].sort());
    expect((await entry(other.quarantineId)).replays).toEqual([]);
    const again = (await hub.inject({ method: 'POST', url: '/v1/quarantine/replay', payload: { reason: 'source-not-allowed' } })).json();
    expect(again.summary.replayed).toBe(0);
  });

  it('bulk replay by ids, and a limit over the maximum is 400', async () => {
    const refused = await publish(anOrderCreated({ type: 'order.unknown' }));
    const byIds = (await hub.inject({ method: 'POST', url: '/v1/quarantine/replay', payload: { ids: [refused.quarantineId] } })).json();
    expect(byIds.summary).toEqual({ replayed: 1, resolved: 0, stillRejected: 1 });
    expect((await hub.inject({ method: 'POST', url: '/v1/quarantine/replay', payload: { limit: 1_000_000 } })).statusCode).toBe(400);
    expect((await hub.inject({ method: 'POST', url: '/v1/quarantine/replay', payload: { ids: ['q-missing'] } })).statusCode).toBe(404);
  });
});

describe('replaying a failed webhook after a mapping fix', () => {
  it('re-verifies the kept signature, maps with the fixed mapping, resolves the entry, and a second replay is a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-replay-'));
    const clock = new ManualClock('2026-11-21T10:00:00Z');
    const runtime = { clock, env: { SHOP_WEBHOOK_SECRET: SHOP_SECRET } };
    // The first mapping reads the order number from the wrong field.
    const broken = await startSecuredHub({ dataDir: dir, env: { CONCORD_WEBHOOKS_CONFIG: writeShopWebhookConfig(dir, { subject: { type: 'order', id: '$.data.number' } }) }, runtime });
    const body = anOrderPlaced('SO-90');
    const delivered = await broken.inject({ method: 'POST', url: '/v1/webhooks/shop', key: null, headers: signedHeaders('msg_9', body, Math.floor(clock.now().getTime() / 1000)), payload: body });
    const quarantineId = delivered.json().results[0].quarantineId;
    expect(delivered.json().results[0].reason).toBe('webhook-mapping-failed');
    await broken.close({ keepData: true });

    clock.advance(24 * 3_600_000); // a day later: far outside the 5-minute window, which does not apply to replays
    const fixed = await startSecuredHub({ dataDir: dir, env: { CONCORD_WEBHOOKS_CONFIG: writeShopWebhookConfig(dir) }, runtime });
    const first = (await fixed.inject({ method: 'POST', url: `/v1/quarantine/${quarantineId}/replay` })).json();
    expect(first).toMatchObject({ status: 'resolved', attempt: { outcome: 'appended', eventId: 'shop:msg_9' } });
    const second = (await fixed.inject({ method: 'POST', url: `/v1/quarantine/${quarantineId}/replay` })).json();
    expect(second.attempt.outcome).toBe('duplicate');
    expect((await fixed.inject({ method: 'GET', url: '/v1/streams/order-SO-90' })).json().events).toHaveLength(1);
    await fixed.close();
  });

  it('a webhook whose kept signature does not verify stays rejected on replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-replay-'));
    const clock = new ManualClock('2026-11-21T10:00:00Z');
    const hub = await startSecuredHub({ dataDir: dir, env: { CONCORD_WEBHOOKS_CONFIG: writeShopWebhookConfig(dir) }, runtime: { clock, env: { SHOP_WEBHOOK_SECRET: SHOP_SECRET } } });
    const body = anOrderPlaced('SO-91');
    const headers = { ...signedHeaders('msg_10', body, Math.floor(clock.now().getTime() / 1000)), 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
    const delivered = await hub.inject({ method: 'POST', url: '/v1/webhooks/shop', key: null, headers, payload: body });
    expect(delivered.statusCode).toBe(401);
    const replayed = (await hub.inject({ method: 'POST', url: `/v1/quarantine/${delivered.json().quarantineId}/replay` })).json();
    expect(replayed).toMatchObject({ status: 'open', attempt: { outcome: 'rejected', reason: 'bad-signature' } });
    await hub.close();
  });
});
