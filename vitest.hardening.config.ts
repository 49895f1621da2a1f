import { defineConfig } from 'vitest/config';

// The long suites of issue 9 (`npm run test:hardening`): crash safety, operations, accounts, privacy, malformed
// inputs, route enumeration and the browser sweep. One file at a time: several of them kill and start real server
// processes or measure timings, and two cores shared with a second such file would blur the figures they report.
export default defineConfig({
  test: {
    include: ['test/hardening/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
