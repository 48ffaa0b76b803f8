export * from './access-log-contract';
