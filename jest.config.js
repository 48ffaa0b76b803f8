// Tests are tiered by file suffix: *.spec.ts (unit, next to the code),
// test/**/*.e2e-spec.ts (through the real HTTP app), test/scale/**/*.scale-spec.ts (hub processes on PostgreSQL),
// test/kafka/**/*.kafka-spec.ts (real broker).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false }, target: 'es2022', keepClassNames: true } }];

const moduleNameMapper = {
  '^@concord/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing',
  '^@concord/([a-z-]+)$': '<rootDir>/libs/$1/src',
};

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // content-disposition@3 (via @fastify/static) ships ESM only; Node 20 loads it natively, jest needs it compiled.
  transform: { '^.+\\.ts$': swc, '^.+/node_modules/content-disposition/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper,
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    // Real hub processes against PostgreSQL; skipped with a notice unless CONCORD_POSTGRES_URL is set (npm run test:postgres).
    { ...common, displayName: 'scale', testMatch: ['<rootDir>/test/scale/**/*.scale-spec.ts'] },
  ],
};
