import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One OpenBLAS pool per fork; keep forks few so BLAS threads do not oversubscribe 2 cores (TOOLCHAIN 5.4).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
  },
});
