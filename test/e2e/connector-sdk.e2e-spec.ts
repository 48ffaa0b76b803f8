/**
 * The connector SDK's HTTP publisher against the real hub listening on a port:
 * per-event results, a republished batch recognised as duplicates, a connector
 * key limited to its own sources, and a refusal kept in quarantine.
 */
import type { AddressInfo } from 'node:net';
import { EnvelopeBuilder, HttpPublisher } from '@concord/connector-sdk';
import { orderCreatedV1, orderStatusChangedV1, type EventEnvelope } from '@concord/contracts';
import { TEST_ADMIN_KEY } from './support/auth';
import { startTestHub, type TestHub } from './support/test-hub';

describe('connector SDK over HTTP (real hub)', () => {
  let hub: TestHub;
  let url: string;
  const erp = new EnvelopeBuilder('erp');
  const noWait = { sleep: async () => undefined, random: { next: () => 0 } };

  beforeAll(async () => {
    hub = await startTestHub();
    await hub.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(hub.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await hub.close();
  });

  const orderEvents = (): EventEnvelope<object>[] => [
    erp.build(orderCreatedV1, { subjectId: 'SO-1', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: { customerId: 'C-1', status: 'OPEN', total: { amount: 10, currency: 'EUR' } } }),
    erp.build(orderStatusChangedV1, { subjectId: 'SO-1', version: 2, occurredAt: '2026-11-21T10:05:00Z', data: { status: 'SHIPPED' } }),
  ];

  it('stores a batch once: the same envelopes published again are duplicates at the same positions', async () => {
    const publisher = new HttpPublisher({ url, apiKey: TEST_ADMIN_KEY, ...noWait });
    const first = await publisher.publish(orderEvents());
    expect(first.map((r) => r.status)).toEqual(['appended', 'appended']);
    const again = await publisher.publish(orderEvents());
    expect(again.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(again.map((r) => r.status !== 'failed' && 'position' in r && r.position)).toEqual(first.map((r) => 'position' in r && r.position));
    await hub.settle();
    const entity = await hub.get('/v1/entities/order/SO-1');
    expect(entity.body.state).toMatchObject({ status: 'SHIPPED', customerId: 'C-1' });
  });

  it('passes on a refusal with its quarantine id; the rest of the batch is stored', async () => {
    const publisher = new HttpPublisher({ url, apiKey: TEST_ADMIN_KEY, ...noWait });
    const good = erp.build(orderStatusChangedV1, { subjectId: 'SO-2', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: { status: 'OPEN' } });
    // Built by hand: the builder would refuse it before sending.
    const bad = { ...good, id: 'erp:bad:1', data: { status: 42 } } as unknown as EventEnvelope<object>;
    const results = await publisher.publish([bad, good]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: 'contract-violation', quarantineId: expect.any(String) });
    expect(results[1]).toMatchObject({ status: 'appended' });
    const entry = await hub.get(`/v1/quarantine/${(results[0] as { quarantineId: string }).quarantineId}`);
    expect(entry.status).toBe(200);
  });

  it('with a connector key for erp only, events of other sources are rejected per event', async () => {
    const created = await hub.post('/v1/keys', { role: 'connector', sources: ['erp'] });
    const publisher = new HttpPublisher({ url, apiKey: created.body.key, ...noWait });
    const billing = new EnvelopeBuilder('billing').build(orderStatusChangedV1, { subjectId: 'SO-3', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: { status: 'X' } });
    const mine = erp.build(orderStatusChangedV1, { subjectId: 'SO-3', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: { status: 'X' } });
    const results = await publisher.publish([billing, mine]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'appended']);
    expect(results[0]).toMatchObject({ reason: 'source-not-allowed' });
  });

  it('fails every event as unauthorized with a wrong key, without retrying', async () => {
    const publisher = new HttpPublisher({ url, apiKey: 'not-a-key-0123456789abcdef', ...noWait });
    const results = await publisher.publish(orderEvents());
    expect(results.map((r) => r.status === 'failed' && [r.reason, r.attempts, r.retriable])).toEqual([
      ['unauthorized', 1, false],
      ['unauthorized', 1, false],
    ]);
  });
});
