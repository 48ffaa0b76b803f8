// The fault-injection suite (`npm run test:faults`): real hub processes killed, files torn, disks
// filled. Kept out of `npm test` (minutes, not seconds, and it mounts a tmpfs); `.ci/run` runs it.
// Sizes: a CI size by default; FAULTS_EVENTS / FAULTS_KILLS / FAULTS_SEED for the full run.
const { projects } = require('../../jest.config.js');
const e2e = projects.find((project) => project.displayName === 'e2e');

module.exports = { ...e2e, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'], testTimeout: 30 * 60_000 };
