import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type LogEntry, type Producer, type ProducerRecord, type RecordMetadata } from 'kafkajs';
import type { MessageSender } from '@concord/messaging';
import type { ConcordConfig } from '../config/concord-config';

export const KAFKA_CLIENT = Symbol('Kafka');
export const KAFKA_PRODUCER = Symbol('KafkaProducer');

export function kafkaBrokers(config: Pick<ConcordConfig, 'KAFKA_BROKERS'>): string[] {
  return (config.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
}

/**
 * kafkajs logs retriable trouble (a coordinator still loading, a broker
 * restarting) at ERROR even though it retries; those reach the hub log as
 * warnings, and what the hub cannot recover from is reported by the consumer
 * and the outbox themselves (status, readiness, logs).
 */
export function createKafkaClient(config: ConcordConfig): Kafka {
  const logger = new Logger('kafkajs');
  return new Kafka({
    clientId: config.CONCORD_KAFKA_CLIENT_ID,
    brokers: kafkaBrokers(config),
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (entry.level <= logLevel.WARN) logger.warn(`${entry.namespace}: ${entry.log.message}`);
    },
  });
}

/**
 * One idempotent producer per process (dead letters, integration events): the
 * broker drops a retried batch it already has, and one request in flight keeps
 * retries from reordering (kafkajs does not enforce that for idempotence).
 */
export class HubProducer implements MessageSender {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
  }

  /** Connects on first use, and again after a failed attempt: a broker that was not up at start is no reason to stay disconnected. */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    await this.connecting;
    return this.producer.send(record);
  }

  async disconnect(): Promise<void> {
    if (this.connecting) await this.producer.disconnect();
    this.connecting = undefined;
  }
}
