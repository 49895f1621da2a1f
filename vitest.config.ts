import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The long suites run with `npm run test:hardening` (vitest.hardening.config.ts).
    exclude: ['**/node_modules/**', 'test/hardening/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Browser pages and child servers answer slower on a busy 2-core machine; a poll waits, it never passes early.
    expect: { poll: { timeout: 10_000 } },
  },
});
