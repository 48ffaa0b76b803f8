export * from './event-store-contract';
export * from './event-factory';
