/**
 * The consumer group under change: a second hub consumer joins and the first
 * leaves while events flow (two rebalances), and the broker restarts during
 * ingestion. Both end with every event in the log exactly once.
 *
 * The two consumers share one hub's ingest path and event log: with the
 * embedded SQLite log one process per data directory ingests, and two logs
 * could not show "no second copy" (a redelivery to the other consumer would
 * land in the other log). The second consumer is the same KafkaIngestConsumer
 * class the hub runs, with its own kafkajs client and group membership.
 */
import { systemClock } from '@concord/common';
import { KafkaIngestConsumer, type MessageOutcome } from '@concord/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { HubKafkaIngest } from '../../apps/hub/src/kafka/hub-kafka-ingest';
import { KAFKA_PRODUCER, type HubProducer } from '../../apps/hub/src/kafka/kafka-client';
import { KafkaConsumerService } from '../../apps/hub/src/kafka/kafka-consumer.service';
import { anOrderCreated } from '../e2e/support/events';
import type { TestHub } from '../e2e/support/test-hub';
import {
  createTopics,
  envelopeMessage,
  headOf,
  itWithOwnBroker,
  kafkaDescribe,
  kafkaHubFixture,
  uniqueTopics,
  waitFor,
} from './support/kafka-suite';

kafkaDescribe('Kafka resilience')('Kafka: rebalance and broker restart during ingestion (real broker)', () => {
  const fixture = kafkaHubFixture({ CONCORD_KAFKA_BATCH_SIZE: '200' });
  const startHub = fixture.startHub.bind(fixture);
  const head = headOf;

  async function produce(topic: string, from: number, count: number, prefix: string): Promise<void> {
    for (let start = from; start < from + count; start += 250) {
      const n = Math.min(250, from + count - start);
      await fixture.kafka.producer.send({
        topic,
        messages: Array.from({ length: n }, (_, k) => envelopeMessage(anOrderCreated({ id: `${prefix}-${start + k}`, subject: { type: 'order', id: `SO-${prefix}-${start + k}` } }))),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** How many of the ids `<prefix>-0 … <prefix>-(expected-1)` the log holds (with head = expected, each exactly once: ids are unique in the log). */
  async function storedIds(hub: TestHub, prefix: string, expected: number): Promise<number> {
    let found = 0;
    for (let i = 0; i < expected; i += 1) {
      const { status } = await hub.get(`/v1/events/${prefix}-${i}`);
      if (status === 200) found++;
    }
    return found;
  }

  it(
    'a second consumer joins the group and the first leaves while events flow: every event stored once',
    async () => {
      const names = uniqueTopics('rebalance');
      await createTopics(fixture.kafka.admin, [{ topic: names.ingest, partitions: 4 }]);
      const hub = await startHub(names);
      const first = hub.app.get(KafkaConsumerService).consumer;
      const handled = { first: 0, second: 0 };
      first.onOutcome((_t, _o: MessageOutcome, n) => (handled.first += n));

      const second = new KafkaIngestConsumer({
        kafka: new Kafka({ clientId: 'concord-hub-2', brokers: fixture.kafka.brokers, logLevel: logLevel.NOTHING }),
        groupId: names.group,
        topics: [names.ingest],
        port: hub.app.get(HubKafkaIngest),
        producer: hub.app.get<HubProducer>(KAFKA_PRODUCER),
        deadLetterTopic: names.dlq,
        clock: systemClock,
        chunkSize: 200,
      });
      second.onOutcome((_t, _o, n) => (handled.second += n));

      const total = 6000;
      const producing = (async () => {
        await produce(names.ingest, 0, 2000, 'rb');
        await second.start(); // rebalance 1: four partitions over two members
        await waitFor(() => second.status().connected && second.status().assigned > 0, 30_000, () => 'the second consumer to get partitions');
        await produce(names.ingest, 2000, 2000, 'rb');
        await first.stop(); // rebalance 2: the first leaves, the second takes every partition
        await produce(names.ingest, 4000, 2000, 'rb');
      })();
      try {
        await producing;
        await waitFor(async () => (await head(hub)) >= total, 90_000, () => `${total} events in the log`);
        await waitFor(() => second.status().assigned === 4, 30_000, () => 'the second consumer to hold all four partitions');
        await new Promise((resolve) => setTimeout(resolve, 2000));
        expect(await head(hub)).toBe(total);
        expect(await storedIds(hub, 'rb', total)).toBe(total);
        // Both really consumed; whatever one had made durable and the other got again counts as a duplicate, not an event.
        expect(handled.first).toBeGreaterThan(0);
        expect(handled.second).toBeGreaterThan(0);
        expect(handled.first + handled.second).toBeGreaterThanOrEqual(total);
        console.info(`rebalance: first consumer ${handled.first} messages, second ${handled.second}, ${handled.first + handled.second - total} redelivered as duplicates`);
      } finally {
        await second.stop();
      }
    },
    180_000,
  );

  itWithOwnBroker(
    'the broker restarts during ingestion: the consumer rejoins and every event is stored once',
    async () => {
      const names = uniqueTopics('restart');
      await createTopics(fixture.kafka.admin, [{ topic: names.ingest, partitions: 3 }]);
      const hub = await startHub(names);
      const total = 5000;
      const producing = produce(names.ingest, 0, total, 'br');
      await waitFor(async () => (await head(hub)) > 500, 60_000, () => 'ingestion under way');
      const stoppedAt = await head(hub);
      await fixture.kafka.broker!.restart();
      await producing;
      await waitFor(async () => (await head(hub)) >= total, 120_000, () => `${total} events in the log`);
      await waitFor(async () => (await hub.get('/health/ready')).status === 200, 60_000, () => 'the hub ready again (consumer rejoined)');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(stoppedAt).toBeLessThan(total);
      expect(await head(hub)).toBe(total);
      expect(await storedIds(hub, 'br', total)).toBe(total);
    },
    240_000,
  );
});
