// The browser suite (`npm run test:ui`): the e2e project's settings, its own files. Kept out of
// `npm test` because it needs the built dashboard and a Chromium; `.ci/run` runs it after the build.
const { projects } = require('../../jest.config.js');
const e2e = projects.find((project) => project.displayName === 'e2e');

module.exports = { ...e2e, displayName: 'ui', testMatch: ['<rootDir>/test/ui/**/*.ui-spec.ts'], testTimeout: 60_000 };
