import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { CLOCK, type Clock } from '@concord/common';
import { KafkaIngestConsumer, parseTopicList, type KafkaConsumerHooks } from '@concord/messaging';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { HubStatusRegistry, type HubStatusContributor, type Readiness, type StatusSection } from '../operations/hub-status';
import { HubKafkaIngest } from './hub-kafka-ingest';
import { KAFKA_CLIENT, KAFKA_PRODUCER, type HubProducer } from './kafka-client';

export const KAFKA_CONSUMER_HOOKS = Symbol('KafkaConsumerHooks');

/**
 * The hub's Kafka consumer (ingest role) and its part in operations: ready only
 * while it is a live member of its consumer group, lag per partition and
 * message outcomes in /metrics, a `kafka` section in /v1/status. It pauses
 * partitions while any contributor reports ingestion pressure (write queue,
 * projection lag), the same signal that turns HTTP producers away with 503.
 */
@Injectable()
export class KafkaConsumerService implements HubStatusContributor, OnApplicationBootstrap, OnModuleDestroy {
  readonly name = 'kafka';
  private readonly logger = new Logger('Kafka');
  readonly consumer: KafkaIngestConsumer;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(KAFKA_PRODUCER) producer: HubProducer,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(KAFKA_CONSUMER_HOOKS) hooks: KafkaConsumerHooks,
    ingest: HubKafkaIngest,
    private readonly registry: HubStatusRegistry,
  ) {
    this.consumer = new KafkaIngestConsumer({
      kafka,
      producer,
      clock,
      hooks,
      groupId: config.CONCORD_KAFKA_GROUP_ID,
      topics: parseTopicList(config.CONCORD_KAFKA_TOPICS),
      port: ingest,
      deadLetterTopic: config.CONCORD_KAFKA_DLQ_TOPIC,
      chunkSize: config.CONCORD_KAFKA_BATCH_SIZE,
      pressure: () => registry.pressure()?.reason,
      logger: { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registry.register(this);
    // Not awaited: a broker that is not there yet must not keep the hub (HTTP, health) from starting; readiness says so.
    void this.consumer.start().catch((error: unknown) => this.logger.error(`Kafka consumer could not start: ${error instanceof Error ? error.message : String(error)}`));
    this.logger.log(`consuming ${this.config.CONCORD_KAFKA_TOPICS} in group ${this.config.CONCORD_KAFKA_GROUP_ID}; refused messages to ${this.config.CONCORD_KAFKA_DLQ_TOPIC}`);
  }

  /** Before the event log closes (application shutdown): nothing in flight is cut off mid-append. */
  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  async readiness(): Promise<Readiness> {
    const status = this.consumer.status();
    return status.connected ? { ready: true } : { ready: false, reason: `Kafka: ${status.problem ?? 'not connected'}` };
  }

  async status(): Promise<StatusSection> {
    const status = this.consumer.status();
    const totalLag = status.lag.reduce((sum, p) => sum + p.lag, 0);
    const details = { ...status, totalLag, topics: this.config.CONCORD_KAFKA_TOPICS, groupId: this.config.CONCORD_KAFKA_GROUP_ID };
    if (!status.connected) return { severity: 'critical', summary: `the Kafka consumer is not connected: ${status.problem ?? 'unknown reason'}`, details };
    if (status.pausedAfterFailure.length > 0) return { severity: 'critical', summary: `Kafka partitions paused after failed appends: ${status.problem ?? ''}`, details };
    if (status.pausedForPressure.length > 0) return { severity: 'warning', summary: `${status.pausedForPressure.length} Kafka partition(s) paused: ingestion is under pressure`, details };
    return { severity: 'ok', summary: `consuming ${status.assigned} partition(s), ${totalLag} message(s) behind`, details };
  }

  registerMetrics(registry: Registry): void {
    const consumer = this.consumer;
    new Gauge({
      name: 'concord_kafka_consumer_lag',
      help: 'Messages in a partition after the last one the hub made durable (as of its last batch)',
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { topic, partition, lag } of consumer.status().lag) this.set({ topic, partition: String(partition) }, lag);
      },
    });
    new Gauge({ name: 'concord_kafka_consumer_connected', help: '1 while the consumer is a live member of its group', registers: [registry], collect() { this.set(consumer.status().connected ? 1 : 0); } });
    new Gauge({
      name: 'concord_kafka_partitions_paused',
      help: 'Partitions paused by backpressure or after a failed append',
      labelNames: ['cause'],
      registers: [registry],
      collect() {
        const status = consumer.status();
        this.set({ cause: 'pressure' }, status.pausedForPressure.length);
        this.set({ cause: 'failure' }, status.pausedAfterFailure.length);
      },
    });
    const messages = new Counter({ name: 'concord_kafka_messages_total', help: 'Kafka messages made durable, by outcome', labelNames: ['topic', 'outcome'], registers: [registry] });
    const deadLetters = new Counter({ name: 'concord_kafka_dead_letters_total', help: 'Refused messages copied to the dead-letter topic', labelNames: ['topic'], registers: [registry] });
    consumer.onOutcome((topic, outcome, count) => messages.inc({ topic, outcome }, count));
    consumer.onDeadLetters((topic, count) => deadLetters.inc({ topic }, count));
  }
}
