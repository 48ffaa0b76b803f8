export * from './projection';
export * from './read-model-store.port';
export * from './projection-runner';
export * from './batch-view';
export * from './document-path';
export * from './sqlite/sqlite-read-model-store';
