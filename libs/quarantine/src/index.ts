export * from './quarantine.port';
export * from './sqlite-quarantine-store';
