/**
 * What every Kafka spec shares: whether it can run here, a real broker for the
 * file (or KAFKA_BROKERS), unique topic names per test, and small helpers to
 * produce envelopes and read topics back.
 *
 * The Kafka suite runs with `npm run test:kafka` (KAFKA_TESTS=1), or against an
 * external broker whenever KAFKA_BROKERS is set. Under plain `npm test` it is
 * skipped with a notice: it starts JVMs and pushes tens of thousands of events,
 * which the landing checks of everyone sharing this machine should not pay for.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import { startTestHub, type TestHub } from '../../e2e/support/test-hub';
import { type KafkaBroker, kafkaBrokersFromEnv, kafkaToolingAvailable, startKafkaBroker } from '../broker';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export const external = kafkaBrokersFromEnv();

/** `describe` when the Kafka suite can and should run here, else `describe.skip` with a visible reason. */
export function kafkaDescribe(suite: string): jest.Describe {
  if (external) return describe;
  if (!kafkaToolingAvailable()) {
    console.warn(`Kafka suite "${suite}" skipped: no java/mvn on PATH and KAFKA_BROKERS unset (install Java 17+ and Maven, or point KAFKA_BROKERS at a broker).`);
    return describe.skip;
  }
  if (process.env.KAFKA_TESTS !== '1') {
    console.warn(`Kafka suite "${suite}" skipped: run it with \`npm run test:kafka\` (starts a real Kafka 3.9.1 broker), or set KAFKA_BROKERS.`);
    return describe.skip;
  }
  return describe;
}

/** `it`, or `it.skip` when the broker is someone else's (restart and kill tests). */
export const itWithOwnBroker: jest.It = external ? it.skip : it;

export const BROKER_SETUP_MS = 180_000;

export interface BrokerHandle {
  readonly brokers: string[];
  readonly broker: KafkaBroker | undefined;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  stop(): Promise<void>;
}

/** A broker for this spec file (or the external one), an admin and an idempotent producer like a connector's. */
export async function openBroker(): Promise<BrokerHandle> {
  const broker = external ? undefined : await startKafkaBroker();
  const brokers = external ?? broker!.brokers;
  const kafka = new Kafka({ clientId: 'concord-kafka-spec', brokers, logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 } });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
  return {
    brokers,
    broker,
    kafka,
    admin,
    producer,
    async stop() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
      await broker?.stop();
    },
  };
}

/** Random names, so tests (and runs against a shared external broker) never see each other's messages. */
export function uniqueTopics(prefix: string) {
  const tag = randomUUID().slice(0, 8);
  return { ingest: `concord.events.${prefix}-${tag}`, dlq: `concord.dlq.${tag}`, outbound: `concord.integration-events.${tag}`, group: `concord-hub-${tag}` };
}

export async function createTopics(admin: Admin, topics: ReadonlyArray<{ topic: string; partitions: number }>): Promise<void> {
  await admin.createTopics({ topics: topics.map(({ topic, partitions }) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
}

/** The hub's Kafka settings for a test hub. */
export function hubKafkaEnv(brokers: readonly string[], names: ReturnType<typeof uniqueTopics>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    CONCORD_KAFKA_TOPICS: names.ingest,
    CONCORD_KAFKA_GROUP_ID: names.group,
    CONCORD_KAFKA_DLQ_TOPIC: names.dlq,
    CONCORD_KAFKA_OUTBOUND_TOPIC: names.outbound,
    ...extra,
  };
}

/** A message as a connector publishes it: the JSON envelope, keyed `subject.type/subject.id`. */
export function envelopeMessage(envelope: Record<string, unknown>): { key: string; value: string } {
  const subject = envelope.subject as { type: string; id: string };
  return { key: `${subject.type}/${subject.id}`, value: JSON.stringify(envelope) };
}

export interface ReadMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: string | undefined;
  readonly headers: Record<string, string>;
}

/** Every message of a topic from the beginning, read with a throwaway consumer until `expected` arrived (or timeout). */
export async function readTopic(kafka: Kafka, topic: string, expected: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, allowAutoTopicCreation: false });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void messages.push(readMessage(partition, message)) });
    await waitFor(() => messages.length >= expected, timeoutMs, () => `${topic}: ${messages.length} of ${expected} messages`);
    // A little longer: more than expected would be a finding, not something to miss.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

function readMessage(partition: number, message: KafkaMessage): ReadMessage {
  return { partition, offset: message.offset, key: message.key?.toString(), value: message.value?.toString(), headers: textHeaders(message.headers) };
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string = () => 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A broker for the spec file and in-process hubs in Kafka mode: registers the
 * jest hooks (broker up before all, hubs closed after each test, broker stopped
 * after all) and starts hubs that are ready, i.e. whose consumer joined its group.
 */
export function kafkaHubFixture(hubEnv: Record<string, string> = {}) {
  let handle: BrokerHandle | undefined;
  const hubs: TestHub[] = [];
  beforeAll(async () => {
    handle = await openBroker();
  }, BROKER_SETUP_MS);
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.close();
  }, 60_000);
  afterAll(async () => {
    await handle?.stop();
  }, 60_000);
  return {
    get kafka(): BrokerHandle {
      if (!handle) throw new Error('the broker did not start');
      return handle;
    },
    async startHub(names: ReturnType<typeof uniqueTopics>, options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<TestHub> {
      const env = hubKafkaEnv(this.kafka.brokers, names, { ...hubEnv, ...options.env });
      const hub = await startTestHub({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), env });
      hubs.push(hub);
      await waitFor(async () => (await hub.get('/health/ready')).status === 200, 30_000, () => 'the hub to be ready (Kafka consumer joined)');
      return hub;
    },
    /** Closes a hub before the test ends, keeping its data directory for the next one. */
    async closeKeepingData(hub: TestHub): Promise<void> {
      hubs.splice(hubs.indexOf(hub), 1);
      await hub.close({ keepData: true });
    },
  };
}

/** The event log's head position, from /metrics. */
export async function headOf(hub: TestHub): Promise<number> {
  return Number(/^concord_event_log_head_position (\d+)/m.exec((await hub.get('/metrics')).text)?.[1] ?? NaN);
}
