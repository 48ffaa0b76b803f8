import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@concord/common';
import { startSecuredHub, type SecuredHub } from './support/secured-hub';
import { anOrderPlaced, SHOP_SECRET, signedHeaders, writeShopWebhookConfig } from './support/webhooks';

describe('POST /v1/webhooks/:source', () => {
  const clock = new ManualClock('2026-11-21T10:00:00Z');
  const now = () => Math.floor(clock.now().getTime() / 1000);
  let hub: SecuredHub;

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-wh-'));
    hub = await startSecuredHub({
      dataDir: dir,
      env: { CONCORD_WEBHOOKS_CONFIG: writeShopWebhookConfig(dir) },
      runtime: { clock, env: { SHOP_WEBHOOK_SECRET: SHOP_SECRET } },
    });
  });
  afterEach(() => hub.close());

  const deliver = (headers: Record<string, string>, body: string, source = 'shop') =>
    hub.inject({ method: 'POST', url: `/v1/webhooks/${source}`, key: null, headers, payload: body });

  it('maps a correctly signed webhook to an event, with the webhook id as idempotency key and the credential recorded', async () => {
    const body = anOrderPlaced();
    const response = await deliver(signedHeaders('msg_1', body, now()), body);
    expect(response.statusCode).toBe(200);
    expect(response.json().results).toEqual([expect.objectContaining({ id: 'shop:msg_1', status: 'appended', stream: 'order-SO-77' })]);
    const event = (await hub.inject({ method: 'GET', url: '/v1/events/shop:msg_1' })).json().event;
    expect(event).toMatchObject({ source: 'shop', type: 'order.created', data: { customerId: 'C-7', status: 'OPEN', total: { amount: 99.5, currency: 'EUR' } } });
    expect(event.transport).toMatchObject({ kind: 'webhook', webhookId: 'msg_1', credential: expect.stringMatching(/^webhook:shop:[0-9a-f]{12}$/) });
  });

  it('the same webhook delivered twice (a retry, re-signed with a later timestamp) is one event', async () => {
    const body = anOrderPlaced();
    await deliver(signedHeaders('msg_1', body, now()), body);
    clock.advance(60_000);
    const again = await deliver(signedHeaders('msg_1', body, now()), body);
    expect(again.json().results[0]).toMatchObject({ status: 'duplicate', position: 1 });
    const stream = (await hub.inject({ method: 'GET', url: '/v1/streams/order-SO-77' })).json();
    expect(stream.events).toHaveLength(1);
    expect((await hub.inject({ method: 'GET', url: '/v1/events/shop:msg_1' })).json().receivedCount).toBe(2);
  });

  it('accepts a delivery signed with either of two secrets while rotating', async () => {
    const body = anOrderPlaced('SO-78');
    const other = randomBytes(32);
    const response = await deliver(signedHeaders('msg_2', body, now(), [other, Buffer.from(SHOP_SECRET.slice(6), 'base64')]), body);
    expect(response.json().results[0].status).toBe('appended');
  });

  it.each([
    ['a wrong secret', (body: string) => signedHeaders('msg_3', body, Math.floor(Date.parse('2026-11-21T10:00:00Z') / 1000), [randomBytes(32)]), 'bad-signature'],
    ['no signature', (_body: string) => ({ 'content-type': 'application/json', 'webhook-id': 'msg_3', 'webhook-timestamp': '1795255200' }), 'bad-signature'],
  ])('answers 401 to %s and keeps the delivery in quarantine with the reason; nothing is stored', async (_label, headersFor, reason) => {
    const body = anOrderPlaced();
    const response = await deliver(headersFor(body), body);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ reason, quarantineId: expect.any(String) });
    const entry = (await hub.inject({ method: 'GET', url: `/v1/quarantine/${response.json().quarantineId}` })).json();
    expect(entry).toMatchObject({ reason, source: 'shop', raw: body, status: 'open', transport: { kind: 'webhook' } });
    expect((await hub.inject({ method: 'GET', url: '/health' })).json().headPosition).toBe(0);
  });

  it('answers 401 (stale-webhook) to a correct signature more than 5 minutes old, using the injected clock', async () => {
    const body = anOrderPlaced();
    const headers = signedHeaders('msg_4', body, now());
    clock.advance(5 * 60_000 + 1_000);
    const response = await deliver(headers, body);
    expect(response.statusCode).toBe(401);
    expect(response.json().reason).toBe('stale-webhook');
  });

  it('a verified webhook the mapping cannot read is answered 200 with a rejection and quarantined with its headers for replay', async () => {
    const body = JSON.stringify({ type: 'order.placed', data: { placedAt: '2026-11-21T10:00:00Z' } });
    const response = await deliver(signedHeaders('msg_5', body, now()), body);
    expect(response.statusCode).toBe(200);
    expect(response.json().results[0]).toMatchObject({ status: 'rejected', reason: 'webhook-mapping-failed', message: expect.stringContaining('$.data.orderNumber') });
    const entry = (await hub.inject({ method: 'GET', url: `/v1/quarantine/${response.json().results[0].quarantineId}` })).json();
    expect(entry.headers).toMatchObject({ 'webhook-id': 'msg_5', 'webhook-signature': expect.stringMatching(/^v1,/) });
    expect(entry.raw).toBe(body);
  });

  it('a mapped event that breaks its contract is rejected and the webhook body, not the mapped envelope, is kept', async () => {
    const body = anOrderPlaced('SO-79', 'a lot');
    const response = await deliver(signedHeaders('msg_6', body, now()), body);
    expect(response.json().results[0]).toMatchObject({ status: 'rejected', reason: 'contract-violation', id: 'shop:msg_6' });
    const entry = (await hub.inject({ method: 'GET', url: `/v1/quarantine/${response.json().results[0].quarantineId}` })).json();
    expect(entry).toMatchObject({ raw: body, eventId: 'shop:msg_6', source: 'shop' });
  });

  it('an unknown source is 404 and leaves no trace', async () => {
    const body = anOrderPlaced();
    const response = await deliver(signedHeaders('msg_7', body, now()), body, 'nobody');
    expect(response.statusCode).toBe(404);
    expect((await hub.inject({ method: 'GET', url: '/v1/quarantine' })).json().items).toEqual([]);
  });

  it('refuses a webhook id with CR/LF (it would reach headers and logs) as a bad signature', async () => {
    const body = anOrderPlaced();
    const headers = { ...signedHeaders('msg_8', body, now()), 'webhook-id': 'msg_8%0d%0aSet-Cookie: x' };
    expect((await deliver(headers, body)).statusCode).toBe(401);
  });
});

describe('webhook configuration', () => {
  it('refuses to start when a source secret is missing, naming the variable but never a secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-wh-'));
    await expect(startSecuredHub({ dataDir: dir, env: { CONCORD_WEBHOOKS_CONFIG: writeShopWebhookConfig(dir) }, runtime: { env: {} } })).rejects.toThrow(/SHOP_WEBHOOK_SECRET is not set/);
  });

  it('refuses a bad path in a mapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-wh-'));
    const file = writeShopWebhookConfig(dir, { occurredAt: '$..placedAt' });
    await expect(startSecuredHub({ dataDir: dir, env: { CONCORD_WEBHOOKS_CONFIG: file }, runtime: { env: { SHOP_WEBHOOK_SECRET: SHOP_SECRET } } })).rejects.toThrow(/occurredAt.*is not a path/);
  });
});
