import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests share two real servers and spawn the built binary; two workers match the 2-core machine.
    maxWorkers: 2,
    // The skip summary lists each skipped test and its reason after vitest's own totals.
    reporters: ['default', './test/reporters/skip-summary.ts'],
  },
});
