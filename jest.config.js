// Tests are tiered by file suffix: *.spec.ts (unit, next to the code),
// test/**/*.e2e-spec.ts (through the real HTTP app), test/scale/**/*.scale-spec.ts (hub processes on PostgreSQL),
// test/kafka/**/*.kafka-spec.ts (real broker), test/simulation/**/*.sim-spec.ts (deterministic simulation).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false }, target: 'es2022', keepClassNames: true } }];

const moduleNameMapper = {
  '^@concord/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing',
  '^@concord/([a-z-]+)$': '<rootDir>/libs/$1/src',
};

// @fastify/static (the /docs UI) requires content-disposition@3, which ships only as an ES module;
// jest's CommonJS loader cannot require it, so that one package is compiled like our sources.
const esmOnlyPackages = ['content-disposition'];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, [`/node_modules/(${esmOnlyPackages.join('|')})/.+\\.js$`]: swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  moduleNameMapper,
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // Real hub processes against PostgreSQL; skipped with a notice unless CONCORD_POSTGRES_URL is set (npm run test:postgres).
    { ...common, displayName: 'scale', testMatch: ['<rootDir>/test/scale/**/*.scale-spec.ts'] },
    // Deterministic simulation (fast-check model run against the real store, ingest path and projections); `npm run sim` soaks it.
    { ...common, displayName: 'simulation', testMatch: ['<rootDir>/test/simulation/**/*.sim-spec.ts'] },
    // A real Kafka 3.9.1 broker (test/kafka/broker.ts); skipped with a notice unless KAFKA_TESTS=1 (npm run test:kafka) or KAFKA_BROKERS is set.
    { ...common, displayName: 'kafka', testMatch: ['<rootDir>/test/kafka/**/*.kafka-spec.ts'] },
  ],
};
