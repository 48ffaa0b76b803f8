import { Inject, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { KafkaOutboundSink, outboxProjection, type KafkaConsumerHooks } from '@concord/messaging';
import type { ConcordConfig } from '../config/concord-config';
import { EXTRA_PROJECTIONS } from '../projections/hub-projections';
import { hasRole } from '../roles/hub-roles';
import { HubKafkaIngest } from './hub-kafka-ingest';
import { createKafkaClient, HubProducer, KAFKA_CLIENT, KAFKA_PRODUCER } from './kafka-client';
import { KAFKA_CONSUMER_HOOKS, KafkaConsumerService } from './kafka-consumer.service';

/**
 * Kafka mode (KAFKA_BROKERS set). With the ingest role the hub consumes the
 * ingest topics; with the project role it runs the outbox that publishes
 * integration events from the log. Without KAFKA_BROKERS this module is not
 * imported at all: the hub runs embedded, HTTP only.
 */
@Module({})
export class KafkaModule implements OnApplicationShutdown {
  constructor(@Inject(KAFKA_PRODUCER) private readonly producer: HubProducer) {}

  static forRoot(config: ConcordConfig, hooks: KafkaConsumerHooks = {}): DynamicModule {
    const consuming = hasRole(config, 'ingest');
    const publishing = hasRole(config, 'project') && config.CONCORD_KAFKA_OUTBOUND_TOPIC !== 'off';
    const providers: Provider[] = [
      { provide: KAFKA_CLIENT, useFactory: () => createKafkaClient(config) },
      { provide: KAFKA_PRODUCER, inject: [KAFKA_CLIENT], useFactory: (kafka: Kafka) => new HubProducer(kafka) },
      { provide: KAFKA_CONSUMER_HOOKS, useValue: hooks },
      ...(consuming ? [HubKafkaIngest, KafkaConsumerService] : []),
      {
        provide: EXTRA_PROJECTIONS,
        inject: [KAFKA_PRODUCER],
        useFactory: (producer: HubProducer) =>
          publishing ? [outboxProjection({ sink: new KafkaOutboundSink(producer, config.CONCORD_KAFKA_OUTBOUND_TOPIC), types: config.CONCORD_KAFKA_OUTBOUND_TYPES })] : [],
      },
    ];
    return { module: KafkaModule, global: true, providers, exports: [KAFKA_CLIENT, KAFKA_PRODUCER, EXTRA_PROJECTIONS, ...(consuming ? [KafkaConsumerService] : [])] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}
