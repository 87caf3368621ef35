import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // `.only` left in a test must fail CI, not silently narrow the run.
    allowOnly: false,
    testTimeout: 20_000,
    // One throwaway PostgreSQL cluster per run, for every suite that runs on both dialects.
    globalSetup: ['test/support/postgres-global-setup.ts'],
    typecheck: { enabled: false },
  },
});
