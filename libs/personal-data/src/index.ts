export * from './personal-fields';
export * from './key-vault.port';
export * from './sqlite-key-vault';
export * from './envelopes';
