import {
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type ProducerConfig,
  type RecordMetadata,
} from 'kafkajs';
import type { EventEnvelope } from '@concord/contracts';
import type { RetryPolicy } from './backoff';
import { subjectKey } from './envelopes';
import { Retrier, type Attempt, type RetryOptions } from './retrying';
import { failed, notSent, type EventPublisher, type FailedResult, type PublishResult } from './results';

/** The default topic for a source's events, as the hub's consumer expects it. */
export function topicForSource(source: string): string {
  return `concord.events.${source}`;
}

export interface KafkaPublisherOptions extends RetryOptions {
  /** The caller's client: brokers, TLS, SASL and logging are theirs to choose. */
  readonly kafka: Kafka;
  /** Defaults to `concord.events.<source>`. */
  readonly topicFor?: (envelope: EventEnvelope<object>) => string;
  /** Producer settings other than those idempotence depends on, which this publisher fixes. */
  readonly producer?: Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests' | 'createPartitioner' | 'transactionalId'>;
  /** Per produce request; kept well under the broker's default message.max.bytes (1 MiB) per partition. */
  readonly maxBatchBytes?: number;
  readonly maxBatchEvents?: number;
}

/**
 * Over kafkajs' own retries (which the idempotent producer makes duplicate-free),
 * the publisher resends a batch kafkajs gave up on, so a broker restart longer
 * than kafkajs' budget is ridden out too. Such a resend may leave a second copy
 * in the topic when the first attempt landed after all; the hub keeps one.
 */
const KAFKA_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 0 };

interface Chunk {
  readonly offset: number;
  readonly events: readonly EventEnvelope<object>[];
  readonly messages: readonly Message[];
  readonly topics: readonly string[];
}

/**
 * Publishes envelopes to Kafka with an idempotent producer: broker-side
 * sequence numbers make kafkajs' own retries write each record once, and one
 * request in flight keeps a partition's records in send order (KIP-98; kafkajs
 * neither sets nor enforces that). The key `subject.type/subject.id` puts an
 * entity's events in one partition, so the hub reads them in order. The value
 * is the JSON envelope, exactly as POST /v1/events takes it.
 *
 * A result is `accepted` with the record's partition and offset once all
 * in-sync replicas have it (acks -1). If publish() itself is repeated after a
 * failure, Kafka may hold a second copy; the hub stores one (same event id).
 */
export class KafkaPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly topicFor: (envelope: EventEnvelope<object>) => string;
  private readonly maxBatchBytes: number;
  private readonly maxBatchEvents: number;
  /** Where kafkajs' partitioner put each message of the send in progress. */
  private readonly placed = new WeakMap<Message, number>();
  private readonly retrier: Retrier;

  private constructor(options: KafkaPublisherOptions) {
    this.topicFor = options.topicFor ?? ((envelope) => topicForSource(envelope.source));
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.maxBatchEvents = options.maxBatchEvents ?? 1000;
    this.retrier = new Retrier(options, KAFKA_RETRY_POLICY);
    this.producer = options.kafka.producer({
      ...options.producer,
      idempotent: true,
      maxInFlightRequests: 1,
      // The default (murmur2 of the key, as the Java client) with a note of each choice, for per-event offsets.
      createPartitioner: () => {
        const choose = Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = choose(args);
          this.placed.set(args.message, partition);
          return partition;
        };
      },
    });
  }

  static async connect(options: KafkaPublisherOptions): Promise<KafkaPublisher> {
    const publisher = new KafkaPublisher(options);
    await publisher.producer.connect();
    return publisher;
  }

  async publish(events: readonly EventEnvelope<object>[]): Promise<PublishResult[]> {
    const results: PublishResult[] = [];
    let stopped: FailedResult | undefined;
    for (const chunk of this.split(events)) {
      const chunkResults = stopped ? notSent(chunk.offset, chunk.events, stopped) : await this.send(chunk);
      for (const result of chunkResults) {
        results.push(result);
        if (result.status === 'failed') stopped ??= result;
      }
    }
    return results;
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  private split(events: readonly EventEnvelope<object>[]): Chunk[] {
    const chunks: Chunk[] = [];
    let current = { offset: 0, events: [] as EventEnvelope<object>[], messages: [] as Message[], topics: [] as string[] };
    let bytes = 0;
    events.forEach((event, index) => {
      const value = JSON.stringify(event);
      const size = Buffer.byteLength(value) + 64;
      if (current.events.length > 0 && (current.events.length === this.maxBatchEvents || bytes + size > this.maxBatchBytes)) {
        chunks.push(current);
        current = { offset: index, events: [], messages: [], topics: [] };
        bytes = 0;
      }
      current.events.push(event);
      current.messages.push({ key: subjectKey(event), value, headers: { 'concord-event-id': event.id } });
      current.topics.push(this.topicFor(event));
      bytes += size;
    });
    if (current.events.length > 0) chunks.push(current);
    return chunks;
  }

  private async send(chunk: Chunk): Promise<PublishResult[]> {
    const byTopic = new Map<string, Message[]>();
    chunk.messages.forEach((message, i) => {
      const topic = chunk.topics[i]!;
      const list = byTopic.get(topic) ?? [];
      list.push(message);
      byTopic.set(topic, list);
    });
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    const settled = await this.retrier.run(chunk.events.length, async (): Promise<Attempt<RecordMetadata[]>> => {
      try {
        return { kind: 'answered', value: await this.producer.sendBatch({ acks: -1, topicMessages }) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return mayLaterSucceed(error) ? { kind: 'transient', reason: 'kafka-error', message } : { kind: 'permanent', reason: 'kafka-error', message };
      }
    });
    if (settled.kind === 'failed') {
      return chunk.events.map((event, i) => failed(chunk.offset + i, event.id, settled.reason, settled.message, settled.attempts, settled.retriable));
    }
    const metadata = settled.value;
    const baseOffsets = new Map<string, bigint>();
    for (const record of metadata) baseOffsets.set(`${record.topicName}\u0000${record.partition}`, BigInt(record.baseOffset ?? '0'));
    // Within one request a partition's records are consecutive, in send order, from its base offset.
    const nextOffset = new Map<string, bigint>();
    return chunk.events.map((event, i): PublishResult => {
      const topic = chunk.topics[i]!;
      const partition = this.placed.get(chunk.messages[i]!);
      const key = `${topic}\u0000${String(partition)}`;
      const base = baseOffsets.get(key);
      if (partition === undefined || base === undefined) {
        return failed(chunk.offset + i, event.id, 'kafka-error', 'the broker acknowledged the request but not this record’s partition', 1, true);
      }
      const offset = nextOffset.get(key) ?? base;
      nextOffset.set(key, offset + 1n);
      return { index: chunk.offset + i, id: event.id, status: 'accepted', topic, partition, offset: offset.toString() };
    });
  }
}

/** Broker answers that blame the records or the client's rights: the same request would fail again. */
const REQUEST_FAULTS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
]);

/**
 * kafkajs wraps the root cause in retry errors (and marks every error non-retriable
 * once its own retries are used up), so look at the root: an outage may pass, a
 * refused request will not.
 */
export function mayLaterSucceed(error: unknown): boolean {
  let root = error as { cause?: unknown; name?: string; type?: string } | undefined;
  for (let depth = 0; depth < 10 && root?.cause !== undefined && root.cause !== root; depth++) {
    root = root.cause as typeof root;
  }
  if (root?.name === 'KafkaJSSASLAuthenticationError') return false;
  return !(root?.type !== undefined && REQUEST_FAULTS.has(root.type));
}
