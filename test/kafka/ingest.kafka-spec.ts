/**
 * Kafka mode end to end, in one hub process against a real broker: a connector's
 * messages become entity views; poison goes to the quarantine and the
 * dead-letter topic while the partition keeps flowing; backpressure pauses and
 * resumes partitions; readiness and /metrics report the consumer; integration
 * events leave through the outbox exactly once across restarts.
 */
import type { EventEnvelope } from '@concord/contracts';
import { KafkaPublisher } from '@concord/connector-sdk';
import { HubStatusRegistry } from '../../apps/hub/src/operations/hub-status';
import { anOrderCreated } from '../e2e/support/events';
import { startTestHub } from '../e2e/support/test-hub';
import {
  createTopics,
  envelopeMessage,
  headOf,
  hubKafkaEnv,
  kafkaDescribe,
  kafkaHubFixture,
  readTopic,
  uniqueTopics,
  waitFor,
} from './support/kafka-suite';

const TEST_MS = 90_000;

kafkaDescribe('Kafka ingestion')('Kafka ingestion (real broker)', () => {
  const fixture = kafkaHubFixture();
  const startHub = fixture.startHub.bind(fixture);
  const head = headOf;

  it(
    'connector SDK → Kafka → hub → entity view, each event recorded with its topic, partition and offset',
    async () => {
      const names = uniqueTopics('e2e');
      await createTopics(fixture.kafka.admin, [{ topic: names.ingest, partitions: 3 }]);
      const hub = await startHub(names);

      // What a connector team does: the SDK's idempotent publisher, keyed by subject.
      const publisher = await KafkaPublisher.connect({ kafka: fixture.kafka.kafka, topicFor: () => names.ingest });
      try {
        const results = await publisher.publish([
          anOrderCreated({ id: 'erp-k-1', subject: { type: 'order', id: 'SO-K1' } }) as unknown as EventEnvelope<object>,
          { ...anOrderCreated({ id: 'erp-k-2', type: 'order.status-changed', subject: { type: 'order', id: 'SO-K1' } }), data: { status: 'SHIPPED' } } as unknown as EventEnvelope<object>,
        ]);
        expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
      } finally {
        await publisher.close();
      }
      await waitFor(async () => (await head(hub)) === 2, 30_000, () => 'both events in the log');
      await hub.settle();

      const entity = await hub.get('/v1/entities/order/SO-K1');
      expect(entity.status).toBe(200);
      expect(entity.body.state).toMatchObject({ customerId: 'C-1', status: 'SHIPPED' });

      const event = (await hub.get('/v1/events/erp-k-2')).body.event;
      expect(event.transport).toEqual({ kind: 'kafka', topic: names.ingest, partition: expect.any(Number), offset: '1' });
      // Keyed by subject: both in one partition, in order.
      expect((await hub.get('/v1/events/erp-k-1')).body.event.transport.partition).toBe(event.transport.partition);

      const ready = await hub.get('/health/ready');
      expect(ready.status).toBe(200);
      const status = await hub.get('/v1/status');
      expect(status.body.sections.kafka).toMatchObject({ severity: 'ok', details: { connected: true } });
      const metrics = (await hub.get('/metrics')).text;
      expect(metrics).toMatch(/^concord_kafka_consumer_connected 1$/m);
      expect(metrics).toMatch(new RegExp(`^concord_kafka_consumer_lag\\{topic="${names.ingest.replace(/\./g, '\\.')}",partition="\\d"\\} 0$`, 'm'));
      expect(metrics).toMatch(new RegExp(`^concord_kafka_messages_total\\{topic="${names.ingest.replace(/\./g, '\\.')}",outcome="appended"\\} 2$`, 'm'));
    },
    TEST_MS,
  );

  it(
    'starts before its topic exists, says so, and consumes once the topic is there',
    async () => {
      const names = uniqueTopics('late');
      const hub = await startTestHub({ env: hubKafkaEnv(fixture.kafka.brokers, names) });
      try {
        await waitFor(async () => /cannot subscribe/.test(String((await hub.get('/health/ready')).text)), 30_000, () => 'readiness to name the missing topic');
        expect((await hub.get('/health/ready')).status).toBe(503);
        await createTopics(fixture.kafka.admin, [{ topic: names.ingest, partitions: 1 }]);
        await fixture.kafka.producer.send({ topic: names.ingest, messages: [envelopeMessage(anOrderCreated({ id: 'late-1' }))] });
        await waitFor(async () => (await head(hub)) === 1, 60_000, () => 'the event after the topic appeared');
        expect((await hub.get('/health/ready')).status).toBe(200);
      } finally {
        await hub.close();
      }
    },
    TEST_MS,
  );

  it(
    'poison messages go to the quarantine and the dead-letter topic, and the partition keeps flowing',
    async () => {
      const names = uniqueTopics('poison');
      await createTopics(fixture.kafka.admin, [
        { topic: names.ingest, partitions: 1 },
        { topic: names.dlq, partitions: 1 },
      ]);
      const hub = await startHub(names);

      const key = 'order/SO-P';
      const good = (id: string) => ({ key, value: JSON.stringify(anOrderCreated({ id, subject: { type: 'order', id: 'SO-P' } })) });
      await fixture.kafka.producer.send({
        topic: names.ingest,
        messages: [
          good('p-good-1'),
          { key, value: '{"id": "p-broken",', headers: { traceparent: '00-abc' } },
          { key, value: JSON.stringify(anOrderCreated({ id: 'p-unknown', type: 'order.teleported' })) },
          { key, value: JSON.stringify(anOrderCreated({ id: 'p-contract', data: { customerId: 'C-1', status: 'OPEN', total: { amount: '12', currency: 'EUR' } } })) },
          { key, value: Buffer.from([0xff, 0xfe, 0x00]) },
          { key, value: `${'['.repeat(5000)}${']'.repeat(5000)}` },
          good('p-good-2'),
        ],
      });
      await waitFor(async () => (await head(hub)) === 2, 30_000, () => 'the two good events in the log');

      const dead = await readTopic(fixture.kafka.kafka, names.dlq, 5);
      expect(dead).toHaveLength(5);
      expect(dead.map((m) => [m.headers['concord-original-offset'], m.headers['concord-reason']])).toEqual([
        ['1', 'malformed-json'],
        ['2', 'unknown-type'],
        ['3', 'contract-violation'],
        ['4', 'malformed-json'],
        ['5', 'unsafe-json'],
      ]);
      const broken = dead[0]!;
      expect(broken.key).toBe(key);
      expect(broken.value).toBe('{"id": "p-broken",');
      expect(broken.headers).toMatchObject({ traceparent: '00-abc', 'concord-original-topic': names.ingest, 'concord-original-partition': '0', 'concord-dead-letter-id': `${names.ingest}/0/1` });
      expect(dead[2]!.headers['concord-message']).toMatch(/data\.total\.amount/);

      // Each one kept in the quarantine with where it was read, as received.
      const quarantine = await hub.get('/v1/quarantine?limit=50');
      expect(quarantine.body.items).toHaveLength(5);
      for (const letter of dead) {
        const entry = await hub.get(`/v1/quarantine/${letter.headers['concord-quarantine-id']}`);
        expect(entry.body.transport).toEqual({ kind: 'kafka', topic: names.ingest, partition: 0, offset: letter.headers['concord-original-offset'] });
        expect(entry.body.reason).toBe(letter.headers['concord-reason']);
      }
      const contract = await hub.get(`/v1/quarantine/${dead[2]!.headers['concord-quarantine-id']}`);
      expect(JSON.parse(contract.body.raw)).toMatchObject({ id: 'p-contract' });

      // The message after the poison was not held up by it.
      expect((await hub.get('/v1/events/p-good-2')).body.event.transport).toMatchObject({ kind: 'kafka', offset: '6' });
    },
    TEST_MS,
  );

  it(
    'pauses its partitions while ingestion is under pressure and resumes when it is gone',
    async () => {
      const names = uniqueTopics('pressure');
      await createTopics(fixture.kafka.admin, [{ topic: names.ingest, partitions: 2 }]);
      const hub = await startHub(names);
      let overloaded = true;
      hub.app.get(HubStatusRegistry).register({
        name: 'test-pressure',
        ingestionPressure: () => (overloaded ? { overloaded: true, reason: 'test: projections far behind', retryAfterSeconds: 1 } : { overloaded: false }),
      });

      await fixture.kafka.producer.send({
        topic: names.ingest,
        messages: Array.from({ length: 20 }, (_, i) => envelopeMessage(anOrderCreated({ id: `bp-${i}`, subject: { type: 'order', id: `SO-BP-${i}` } }))),
      });
      await waitFor(async () => (await hub.get('/v1/status')).body.sections?.kafka?.details?.pausedForPressure?.length > 0, 20_000, () => 'a paused partition in /v1/status');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await head(hub)).toBe(0);
      expect((await hub.get('/metrics')).text).toMatch(/^concord_kafka_partitions_paused\{cause="pressure"\} [12]$/m);

      overloaded = false;
      await waitFor(async () => (await head(hub)) === 20, 20_000, () => 'all 20 events after the pressure is gone');
      expect((await hub.get('/v1/status')).body.sections.kafka.details.pausedForPressure).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'publishes integration events from the log through the outbox: a restart neither loses nor repeats one',
    async () => {
      const names = uniqueTopics('outbox');
      await createTopics(fixture.kafka.admin, [
        { topic: names.ingest, partitions: 1 },
        { topic: names.outbound, partitions: 1 },
      ]);
      const hub = await startHub(names);
      const dataDir = hub.dataDir;
      const refused = (id: string) => ({ key: 'order/SO-O', value: JSON.stringify(anOrderCreated({ id, subject: { type: 'order', id: 'SO-O' }, data: { customerId: 'C-1', status: 'OPEN' } })) });
      await fixture.kafka.producer.send({ topic: names.ingest, messages: [refused('o-1'), refused('o-2')] });
      await waitFor(async () => (await hub.get('/v1/quarantine')).body.items.length === 2, 30_000, () => 'two quarantined messages');
      const [second, first] = (await hub.get('/v1/quarantine')).body.items as Array<{ id: string; eventId: string }>;
      expect([first!.eventId, second!.eventId]).toEqual(['o-1', 'o-2']);
      const fixed = (id: string) => ({ payload: anOrderCreated({ id, subject: { type: 'order', id: 'SO-O' } }) });

      // 1. A replay records quarantine.replayed (source concord): published.
      expect((await hub.post(`/v1/quarantine/${first!.id}/replay`, fixed('o-1'))).status).toBe(200);
      await hub.settle();
      const afterFirst = await readTopic(fixture.kafka.kafka, names.outbound, 1);
      expect(afterFirst.map((m) => m.headers['concord-event-type'])).toEqual(['quarantine.replayed']);
      await fixture.closeKeepingData(hub);

      // 2. A hub without the outbox records another one: it waits in the log, behind the stored checkpoint.
      const quiet = await startHub(names, { dataDir, env: { CONCORD_KAFKA_OUTBOUND_TOPIC: 'off' } });
      expect((await quiet.post(`/v1/quarantine/${second!.id}/replay`, fixed('o-2'))).status).toBe(200);
      await fixture.closeKeepingData(quiet);

      // 3. The outbox is back: it publishes the one it had not, and not the first again.
      const again = await startHub(names, { dataDir });
      await again.settle();
      const published = await readTopic(fixture.kafka.kafka, names.outbound, 2);
      expect(published).toHaveLength(2);
      const ids = published.map((m) => m.headers['concord-event-id']);
      expect(new Set(ids).size).toBe(2);
      const values = published.map((m) => JSON.parse(m.value!) as { type: string; source: string; position: number; data: { quarantineId: string } });
      expect(values.map((v) => [v.type, v.source, v.data.quarantineId])).toEqual([
        ['quarantine.replayed', 'concord', first!.id],
        ['quarantine.replayed', 'concord', second!.id],
      ]);
      expect(values[0]!.position).toBeLessThan(values[1]!.position);
      const outbox = (await again.get('/v1/projections')).body;
      expect(JSON.stringify(outbox)).toContain('kafka-outbox');
    },
    TEST_MS * 2,
  );
});
