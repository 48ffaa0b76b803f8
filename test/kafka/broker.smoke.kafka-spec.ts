/**
 * Smoke test for the Kafka test harness: a real broker comes up, kafkajs can
 * create a topic, produce idempotently and consume in a group, and all of that
 * still works with the same clients after the broker restarts underneath them
 * (the situation the ingestion tests simulate), cleanly or after a SIGKILL.
 *
 * With KAFKA_BROKERS set it runs against that external broker instead and
 * skips the restart, which it cannot do to someone else's broker.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { type KafkaBroker, kafkaBrokersFromEnv, kafkaToolingAvailable, startKafkaBroker } from './broker';

// We pass createPartitioner explicitly below; this also silences the v2
// partitioner notice for any producer a helper might create without it.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const external = kafkaBrokersFromEnv();
const runnable = external !== undefined || kafkaToolingAvailable();
if (!runnable) {
  // Visible in the jest output, so a skipped run is not mistaken for a pass.
  console.warn('Kafka smoke test skipped: no java/mvn on PATH and KAFKA_BROKERS unset.');
}

const MESSAGES_PER_ROUND = 100;
/** First run downloads ~50 MB of jars, then the JVM starts: be generous. */
const SETUP_TIMEOUT_MS = 180_000;
const ROUND_TIMEOUT_MS = 60_000;

/** Resolves once `received` holds every value in `expected`, or rejects on timeout. */
async function waitForAll(received: Set<string>, expected: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!expected.every((v) => received.has(v))) {
    if (Date.now() > deadline) {
      const missing = expected.filter((v) => !received.has(v));
      throw new Error(`timed out: ${missing.length} of ${expected.length} messages not consumed`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function produceRound(producer: Producer, topic: string, round: string): Promise<string[]> {
  const values = Array.from({ length: MESSAGES_PER_ROUND }, (_, i) => `${round}-${i}`);
  await producer.send({
    topic,
    // Keys spread the messages over all 3 partitions.
    messages: values.map((value, i) => ({ key: `key-${i % 10}`, value })),
  });
  return values;
}

async function totalMessages(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

(runnable ? describe : describe.skip)('Kafka test broker (smoke)', () => {
  let broker: KafkaBroker | undefined;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  const topic = `smoke-${randomUUID()}`;
  const received = new Set<string>();

  beforeAll(async () => {
    const started = Date.now();
    broker = external ? undefined : await startKafkaBroker();
    const brokers = external ?? broker?.brokers ?? [];
    console.info(`Kafka broker ${brokers.join(',')} ready in ${Date.now() - started} ms`);

    // Errors during the deliberate restart are expected and retried; keep the
    // test output for real failures.
    const kafka = new Kafka({ clientId: 'concord-smoke', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    producer = kafka.producer({
      idempotent: true,
      // kafkajs only keeps ordering with idempotence when one request is in flight.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Tests should name the topics they use; auto-creation hides typos.
      allowAutoTopicCreation: false,
    });
    consumer = kafka.consumer({ groupId: `smoke-group-${randomUUID()}`, allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    // Each disconnect may fail if setup failed halfway; the broker must stop regardless.
    await Promise.allSettled([consumer?.disconnect(), producer?.disconnect(), admin?.disconnect()]);
    await broker?.stop();
  }, SETUP_TIMEOUT_MS);

  it(
    'creates a topic, produces idempotently and consumes in a group',
    async () => {
      if (!admin || !producer || !consumer) throw new Error('setup failed');
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value) received.add(message.value.toString());
        },
      });

      const values = await produceRound(producer, topic, 'before');
      await waitForAll(received, values, ROUND_TIMEOUT_MS);
      expect(await totalMessages(admin, topic)).toBe(MESSAGES_PER_ROUND);
    },
    ROUND_TIMEOUT_MS + 10_000,
  );

  (external ? it.skip : it)(
    'keeps producing and consuming across a broker restart',
    async () => {
      if (!admin || !producer || !broker) throw new Error('setup failed');
      const started = Date.now();
      await broker.restart();
      console.info(`Kafka broker restarted in ${Date.now() - started} ms`);

      // Same producer and consumer as before the restart: they must reconnect.
      const values = await produceRound(producer, topic, 'after');
      await waitForAll(received, values, ROUND_TIMEOUT_MS);
      // Exactly 200: the idempotent producer's retries wrote no duplicates.
      expect(await totalMessages(admin, topic)).toBe(2 * MESSAGES_PER_ROUND);
    },
    ROUND_TIMEOUT_MS + 60_000,
  );

  (external ? it.skip : it)(
    'keeps producing and consuming after kill() and start() (unclean restart)',
    async () => {
      if (!admin || !producer || !broker) throw new Error('setup failed');
      const started = Date.now();
      broker.kill();
      await broker.start();
      console.info(`Kafka broker killed and started again in ${Date.now() - started} ms`);

      const values = await produceRound(producer, topic, 'after-kill');
      await waitForAll(received, values, ROUND_TIMEOUT_MS);
      // SIGKILL loses no acknowledged writes here: they sit in the page cache.
      expect(await totalMessages(admin, topic)).toBe(3 * MESSAGES_PER_ROUND);
    },
    ROUND_TIMEOUT_MS + 60_000,
  );
});
