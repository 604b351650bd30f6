/** What a person reads about a lock wait that ended and about a backfill held by a throttle. */
import { describe, expect, it } from 'vitest';
import { paint } from '../../src/cli/io.js';
import { lineFor, progressText } from '../../src/cli/render-lines.js';
import type { Step } from '../../src/operations/types.js';
import type { Blocker } from '../../src/runner/events.js';

const step = {
  id: 'add_column:orders.note',
  kind: 'sql',
  phase: 'expand',
  summary: 'add column orders.note text',
} as Step;
const holder: Blocker = {
  pid: 4242,
  state: 'idle in transaction',
  forMs: 12_300,
  query: 'SELECT count(*) FROM orders',
  applicationName: 'billing',
  lock: 'AccessShareLock on orders',
};

describe('lines about lock waits and progress', () => {
  it('a retry line names who held the lock, or says nobody could be named any more', () => {
    const p = paint(false);
    expect(
      lineFor(
        {
          type: 'retry',
          step,
          attempt: 1,
          delayMs: 400,
          reason: 'lock not granted within lock_timeout 50ms',
          blockers: [holder],
        },
        p,
      ),
    ).toBe(
      '  lock not granted within lock_timeout 50ms: retry 1 in 400ms; blocked by pid 4242 (idle in transaction for 12.3s, billing, holds AccessShareLock on orders): SELECT count(*) FROM orders',
    );
    expect(
      lineFor({ type: 'retry', step, attempt: 2, delayMs: 900, reason: 'deadlock detected', blockers: [] }, p),
    ).toContain('the blocking session had ended before it could be named');
  });

  it('while held, the progress says paused and why, with no stale rate or ETA', () => {
    expect(
      progressText({
        rowsDone: 2500,
        rowsTotal: 10_000,
        rowsPerSecond: 0,
        etaMs: null,
        waiting: 'paused by alice@laptop',
      }),
    ).toBe('2,500/10,000 rows (25%), paused — waiting: paused by alice@laptop');
    expect(progressText({ rowsDone: 2500, rowsTotal: 10_000, rowsPerSecond: 1980, etaMs: 3800 })).toBe(
      '2,500/10,000 rows (25%), 1,980 rows/s, ETA 4s',
    );
  });
});
