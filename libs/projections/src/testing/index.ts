export * from './projection-testbed';
export * from './read-model-store-contract';
export * from './read-model-backends';
export * from './frozen-view';
export * from './counting-projection';
