import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The long suites run with `npm run test:hardening` (vitest.hardening.config.ts).
    exclude: ['**/node_modules/**', 'test/hardening/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
