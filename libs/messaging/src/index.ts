export * from './kafka-delivery';
export * from './dead-letter';
export * from './kafka-ingest-consumer';
export * from './integration-events';
export * from './kafka-outbound-sink';
export * from './kafka-topics';
