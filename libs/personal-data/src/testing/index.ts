export * from './key-vault-contract';
