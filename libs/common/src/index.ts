export * from './clock';
export * from './ids';
export * from './random';
export * from './canonical-json';
export * from './errors';
