import { StoreUnavailableError } from '@concord/common';
import type { IntegrationEventSink, OutboundMessage } from './integration-events';
import type { MessageSender } from './kafka-ingest-consumer';

/**
 * Publishes integration events with the hub's idempotent producer (one request
 * in flight, so its retries neither reorder nor repeat). An unreachable broker
 * is an outage (StoreUnavailableError: the outbox waits at its checkpoint and
 * retries); a refusal that retrying cannot fix (message too large, topic
 * authorization) is thrown as it is and stops the outbox with that reason.
 */
export class KafkaOutboundSink implements IntegrationEventSink {
  constructor(
    private readonly producer: MessageSender,
    private readonly topic: string,
  ) {}

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    try {
      await this.producer.send({ topic: this.topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })) });
    } catch (error) {
      if (isOutage(error)) throw new StoreUnavailableError(`Kafka did not take integration events for ${this.topic}: ${describe(error)}`, { cause: error });
      throw error;
    }
  }
}

/** kafkajs marks transient errors `retriable`; once its own retries are spent it wraps the last one. */
export function isOutage(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const { name, retriable } = current as Error & { retriable?: boolean };
    if (retriable === true) return true;
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSRequestTimeoutError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSBrokerNotFound') return true;
  }
  return false;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
