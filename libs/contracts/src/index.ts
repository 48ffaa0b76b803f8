export * from './envelope';
export * from './contract';
export * from './field-errors';
export * from './registry';
export * from './json-safety';
export * from './check-envelope';
export * from './catalog';
export * from './upcast-event';
