import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test on SQLite, and the database-backed suites again on PostgreSQL
 * (each test file in a database of its own, skipped with a reason where no server runs).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], env: { GATEHOUSE_TEST_DB: 'sqlite' } } },
      { extends: true, test: { name: 'postgres', include: ['test/**/*.db.test.ts'], env: { GATEHOUSE_TEST_DB: 'postgres' } } },
    ],
  },
});
