export * from './kurrent-event-store';
export * from './kurrent-client';
export * from './event-uuid';
export { KurrentNames } from './kurrent-names';
