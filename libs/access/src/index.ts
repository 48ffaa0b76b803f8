export * from './roles';
export * from './api-key-store.port';
export * from './api-keys';
export * from './sqlite/sqlite-api-key-store';
