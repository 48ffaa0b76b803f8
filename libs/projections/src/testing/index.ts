export * from './projection-testbed';
export * from './read-model-store-contract';
export * from './frozen-view';
