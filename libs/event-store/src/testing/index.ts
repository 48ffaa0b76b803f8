export * from './event-store-contract';
export * from './event-factory';
export * from './fake-kurrentdb-client';
