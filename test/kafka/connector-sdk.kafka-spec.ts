/**
 * The connector SDK's Kafka publisher against a real broker: records land on
 * `concord.events.<source>` keyed by subject, at the partition and offset each
 * result reports, in publish order per subject; a broker restart in the middle
 * of publishing neither loses nor doubles a record (idempotent producer); a
 * broker that stays down yields retriable failures, not exceptions.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { EnvelopeBuilder, KafkaPublisher, topicForSource, type PublishResult } from '@concord/connector-sdk';
import { invoiceIssuedV1, orderStatusChangedV1, type EventEnvelope } from '@concord/contracts';
import { type KafkaBroker, startKafkaBroker } from './broker';
import { external, itWithOwnBroker, kafkaDescribe } from './support/kafka-suite';

const SETUP_TIMEOUT_MS = 180_000;

/** A source name no other run used, so its topics are fresh. */
const freshSource = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

function statusEvents(source: string, subjects: number, perSubject: number): EventEnvelope<object>[] {
  const builder = new EnvelopeBuilder(source);
  const events: EventEnvelope<object>[] = [];
  for (let version = 1; version <= perSubject; version++) {
    for (let s = 0; s < subjects; s++) {
      events.push(builder.build(orderStatusChangedV1, { subjectId: `SO-${s}`, version, occurredAt: '2026-11-21T10:00:00Z', data: { status: `S${version}` } }));
    }
  }
  return events;
}

interface Record {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: string;
}

/** Every record of a topic, read from the beginning by a throw-away consumer group. */
async function readTopic(kafka: Kafka, admin: Admin, topic: string): Promise<Record[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const expected = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const records: Record[] = [];
  const consumer = kafka.consumer({ groupId: `read-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({ partition, offset: message.offset, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
    },
  });
  const deadline = Date.now() + 60_000;
  while (records.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return records;
}

function accepted(results: PublishResult[]) {
  return results.map((r) => {
    if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
    return r;
  });
}

kafkaDescribe('connector SDK → Kafka')('connector SDK → Kafka (real broker)', () => {
  let broker: KafkaBroker | undefined;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    broker = external ? undefined : await startKafkaBroker();
    // Retriable errors during the deliberate restart are expected; keep the output for real failures.
    kafka = new Kafka({ clientId: 'sdk-spec', brokers: external ?? broker!.brokers, logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 200 } });
    admin = kafka.admin();
    await admin.connect();
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await broker?.stop();
  }, SETUP_TIMEOUT_MS);

  async function createTopic(source: string): Promise<string> {
    const topic = topicForSource(source);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    return topic;
  }

  it('puts each event on concord.events.<source>, keyed by subject, at the partition and offset it reports', async () => {
    const source = freshSource('erp');
    const topic = await createTopic(source);
    const events = statusEvents(source, 20, 5);
    const publisher = await KafkaPublisher.connect({ kafka });
    try {
      const results = accepted(await publisher.publish(events));
      expect(results.map((r) => [r.index, r.id, r.topic])).toEqual(events.map((e, i) => [i, e.id, topic]));

      const records = await readTopic(kafka, admin, topic);
      expect(records).toHaveLength(events.length);
      const at = new Map(records.map((r) => [`${r.partition}/${r.offset}`, r]));
      results.forEach((result, i) => {
        const record = at.get(`${result.partition}/${result.offset}`);
        expect(record?.key).toBe(`order/${events[i]!.subject.id}`);
        expect(record && JSON.parse(record.value)).toEqual(events[i]);
      });
      // One subject, one partition, in publish order.
      for (let s = 0; s < 20; s++) {
        const mine = records.filter((r) => r.key === `order/SO-${s}`);
        expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
        expect(mine.map((r) => JSON.parse(r.value).sourceSequence)).toEqual([1, 2, 3, 4, 5]);
      }
      expect(new Set(results.map((r) => r.partition)).size).toBeGreaterThan(1);
    } finally {
      await publisher.close();
    }
  }, 90_000);

  it('sends each source to its own topic within one publish() call', async () => {
    const erp = freshSource('erp');
    const billing = freshSource('billing');
    const [erpTopic, billingTopic] = [await createTopic(erp), await createTopic(billing)];
    const invoice = new EnvelopeBuilder(billing).build(invoiceIssuedV1, {
      subjectId: 'INV-1',
      version: 1,
      occurredAt: '2026-11-21T10:00:00Z',
      data: { orderId: 'SO-1', amount: 10, currency: 'EUR', dueDate: '2026-12-21' },
    });
    const publisher = await KafkaPublisher.connect({ kafka });
    try {
      const results = accepted(await publisher.publish([...statusEvents(erp, 2, 1), invoice]));
      expect(results.map((r) => r.topic)).toEqual([erpTopic, erpTopic, billingTopic]);
      expect((await readTopic(kafka, admin, billingTopic)).map((r) => r.key)).toEqual(['invoice/INV-1']);
    } finally {
      await publisher.close();
    }
  }, 90_000);

  it('fails a record the broker refuses as too large, not retriable, and holds back what follows', async () => {
    const source = freshSource('erp');
    await createTopic(source);
    const [small] = statusEvents(source, 1, 1);
    // Built by hand: no contract allows a 2 MB field, but a buggy connector could send one.
    const huge = { ...small!, id: `${small!.id}-huge`, data: { status: 'X', reason: 'y'.repeat(2 * 1024 * 1024) } };
    const publisher = await KafkaPublisher.connect({ kafka });
    try {
      const results = await publisher.publish([small!, huge, small!]);
      expect(results[0]).toMatchObject({ status: 'accepted' });
      expect(results[1]).toMatchObject({ status: 'failed', reason: 'kafka-error', retriable: false, attempts: 1 });
      expect(results[2]).toMatchObject({ status: 'failed', reason: 'kafka-error', retriable: false, attempts: 0 });
    } finally {
      await publisher.close();
    }
  }, 90_000);

  itWithOwnBroker(
    'rides out a broker restart in the middle of publishing: every event accepted, no copy beyond what was resent',
    async () => {
      const source = freshSource('crm');
      const topic = await createTopic(source);
      const events = statusEvents(source, 500, 8); // 4,000 events
      let resent = 0;
      const publisher = await KafkaPublisher.connect({ kafka, onRetry: (notice) => (resent += notice.events) });
      try {
        // Publish in 16 calls and restart the broker after the second, so the rest meets the restart.
        const results: PublishResult[] = [];
        let restarting: Promise<void> | undefined;
        for (let call = 0; call < 16; call++) {
          results.push(...(await publisher.publish(events.slice(call * 250, (call + 1) * 250))));
          if (call === 1) restarting = broker!.restart();
        }
        await restarting;
        expect(accepted(results)).toHaveLength(events.length);
        console.info(`broker restart: ${events.length} accepted; ${resent} resent by the publisher after kafkajs gave up`);

        const records = await readTopic(kafka, admin, topic);
        const ids = records.map((r) => JSON.parse(r.value).id as string);
        expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
        // kafkajs' own retries (idempotent producer) write no second copy; only a batch the
        // publisher resent after kafkajs gave up may have landed twice (the hub keeps one).
        expect(ids.length - events.length).toBeLessThanOrEqual(resent);
      } finally {
        await publisher.close();
      }
    },
    180_000,
  );

  itWithOwnBroker(
    'reports a retriable kafka-error per event when the broker stays down, and sends nothing after it',
    async () => {
      const source = freshSource('erp');
      await createTopic(source);
      const impatient = new Kafka({ clientId: 'sdk-spec-down', brokers: broker!.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 }, connectionTimeout: 500 });
      const publisher = await KafkaPublisher.connect({ kafka: impatient, maxBatchEvents: 2, retry: { maxAttempts: 2 }, sleep: async () => undefined });
      await broker!.stop();
      try {
        const results = await publisher.publish(statusEvents(source, 3, 2));
        expect(results.map((r) => r.status)).toEqual(Array(6).fill('failed'));
        expect(results[0]).toMatchObject({ reason: 'kafka-error', retriable: true, attempts: 2 });
        expect(results[5]).toMatchObject({ reason: 'kafka-error', retriable: true, attempts: 0 });
      } finally {
        await publisher.close().catch(() => undefined);
        await broker!.start();
      }
    },
    180_000,
  );
});
