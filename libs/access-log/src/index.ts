export * from './access-log.port';
export * from './sqlite-access-log';
