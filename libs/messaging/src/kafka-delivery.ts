import { MAX_JSON_DEPTH, parseJsonDocument, type JsonDocument } from '@concord/contracts';

/** Where a message came from: recorded with the stored event (and with every duplicate) or the quarantine entry. */
export interface KafkaTransport {
  readonly kind: 'kafka';
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The parts of a kafkajs message the hub reads (kept structural, so tests need no kafkajs types). */
export interface KafkaMessageLike {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly headers?: Readonly<Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>>;
}

/** One message as the hub's ingest path receives it: decoded (or why not), and where it was read. */
export interface KafkaDelivery {
  readonly transport: KafkaTransport;
  /** `subject.type/subject.id` by convention; only used to route, never trusted over the envelope. */
  readonly key: string | undefined;
  readonly decoded: JsonDocument;
}

/**
 * Decodes a message value with the same rules as an HTTP body: strict UTF-8,
 * JSON, no deeper than an event may nest. A tombstone (null value) is refused
 * too: a producer of business events never means "delete" by it.
 */
export function toDelivery(topic: string, partition: number, message: KafkaMessageLike): KafkaDelivery {
  const transport: KafkaTransport = { kind: 'kafka', topic, partition, offset: message.offset };
  const key = message.key ? message.key.toString('utf8') : undefined;
  const decoded: JsonDocument =
    message.value === null
      ? { ok: false, reason: 'malformed-json', message: 'the message has no value (a tombstone)', raw: '' }
      : parseJsonDocument(message.value, MAX_JSON_DEPTH, 'the message value');
  return { transport, key, decoded };
}

/** What became of one delivery once it was durably recorded. */
export type DeliveryOutcome =
  | { readonly status: 'appended' | 'duplicate'; readonly position: number }
  | { readonly status: 'rejected'; readonly reason: string; readonly message: string; readonly quarantineId: string };

/**
 * The hub's ingest path as the Kafka consumer sees it. `ingest` resolves only
 * once every delivery is durable: events in the log, refusals in the
 * quarantine. One outcome per delivery, in order. A rejection (thrown) means
 * nothing may be acknowledged and the deliveries must come again.
 */
export interface KafkaIngestPort {
  ingest(deliveries: readonly KafkaDelivery[]): Promise<DeliveryOutcome[]>;
}
