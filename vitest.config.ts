import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test on SQLite, and the database-backed suites again on PostgreSQL
 * (each test file in a database of its own, skipped with a reason where no server runs).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Two files at a time on this 2-core machine: most of a test's time is spent waiting on
    // PostgreSQL, child servers and the hash pool, so the default (cores - 1 = one file at a
    // time) left a core idle: 677 s -> 470 s for the whole suite, same results.
    maxWorkers: 2,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], env: { GATEHOUSE_TEST_DB: 'sqlite' } } },
      { extends: true, test: { name: 'postgres', include: ['test/**/*.db.test.ts'], env: { GATEHOUSE_TEST_DB: 'postgres' } } },
    ],
  },
});
