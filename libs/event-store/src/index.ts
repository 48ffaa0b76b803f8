export * from './event-store.port';
export * from './chain';
export * from './sqlite/sqlite-event-store';
export * from './kurrentdb';
export { READ_COLUMNS, type EventRow } from './sqlite/event-rows';
