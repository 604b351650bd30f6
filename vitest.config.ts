import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that hold the machine to a clock: a bound on how long something may take ("exits 3 within
 * 1 s", "the CLI flushes within 3 s") or a pace the database must reach (rows per second, the
 * adaptive backfill's probe commits). They run after the rest, one at a time, so the other worker's
 * tests cannot slow them: a loaded machine made them fail with two workers, never the product.
 */
export const TIMED_FILES = [
  'test/db/pg.test.ts',
  'test/operations/schedule-refresh-cron.test.ts',
  'test/operations/schedule-refresh-pg-cron-run.test.ts',
  'test/refresh/refresh-locks.test.ts',
  'test/refresh/refresh-quit.test.ts',
  'test/runner/backfill-adaptive.test.ts',
  'test/runner/backfill-ceiling.test.ts',
  'test/runner/backfill-rate.test.ts',
  'test/runner/faults-timing.test.ts',
  'test/runner/flag-rollout-process.test.ts',
  'test/runner/plan-after-cycle.test.ts',
  'test/runner/replica-identity.test.ts',
  'test/telemetry/otel-hardening.test.ts',
  'test/telemetry/otel-off.test.ts',
];

export default defineConfig({
  test: {
    // No include here: a project's own include would be added to it (extends merges arrays), not put in its place.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...TIMED_FILES],
          // Vitest's default is one worker fewer than the cores: a single worker on the 2-core CI machine. The suite
          // mostly waits on PostgreSQL (every file has its own databases), so two workers there nearly halve its time.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timed',
          include: TIMED_FILES,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
