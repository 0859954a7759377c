import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/network-guard.ts', 'test/setup/evidence-folders.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Lab tests share network namespaces and real daemons; one file at a time keeps them from racing.
    fileParallelism: false,
  },
});
