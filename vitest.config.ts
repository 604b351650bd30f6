import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on the 2-core CI machine. The suite
    // mostly waits on PostgreSQL (every file has its own databases), so two workers there nearly halve its time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
