export * from './open-database';
export * from './failure-codes';
