import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // `.only` left in a test must fail CI, not silently narrow the run.
    allowOnly: false,
    testTimeout: 20_000,
    typecheck: { enabled: false },
  },
});
