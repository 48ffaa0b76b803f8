import type { DeliveryOutcome, KafkaDelivery, KafkaMessageLike } from './kafka-delivery';

export const DEFAULT_DEAD_LETTER_TOPIC = 'concord.dlq';

/** A message for the dead-letter topic, in kafkajs' producer shape. */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string | Buffer>;
}

/** Header values are for people and tools reading the DLQ; a long validation message is cut, the quarantine keeps it whole. */
const MAX_HEADER_TEXT = 1000;

/**
 * The refused message as it was received (key and value byte for byte, its own
 * headers kept) plus why: reason, message and the quarantine entry to replay it
 * from. `concord-dead-letter-id` (`topic/partition/offset`) is the same for a
 * redelivery of the same message, so a DLQ reader can drop a repeat.
 */
export function deadLetterFor(delivery: KafkaDelivery, message: KafkaMessageLike, outcome: Extract<DeliveryOutcome, { status: 'rejected' }>): DeadLetter {
  const { topic, partition, offset } = delivery.transport;
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // Our own headers are rewritten below; an array header keeps its first value (kafkajs sends one per name).
    if (name.startsWith('concord-') || value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first as string | Buffer;
  }
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...headers,
      'concord-reason': outcome.reason,
      'concord-message': outcome.message.slice(0, MAX_HEADER_TEXT),
      'concord-quarantine-id': outcome.quarantineId,
      'concord-original-topic': topic,
      'concord-original-partition': String(partition),
      'concord-original-offset': offset,
      'concord-dead-letter-id': `${topic}/${partition}/${offset}`,
    },
  };
}
