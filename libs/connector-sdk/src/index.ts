export * from './envelopes';
export * from './results';
export * from './backoff';
export * from './retrying';
export * from './http-publisher';
export * from './kafka-publisher';
