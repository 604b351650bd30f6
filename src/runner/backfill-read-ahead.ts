/**
 * The bound of the next new range, read on the runner's session while the workers update the ranges
 * already handed out: a worker that comes back for a range finds it ready instead of waiting for
 * the index walk. Only at full speed (no delay, no rows/s ceiling, which decides each range's size
 * when it is admitted) and on a server (PGlite's one backend is the worker's own). A bound read
 * ahead is used only for the key and size it was read for; "nothing left" read ahead also ends the
 * hand-out, as it would have a moment later: the sequential loop after the workers reads it again
 * in its own transaction.
 */
import type { BatchStatements } from '../dialects/backfill.js';
import { sameKey } from './backfill-checkpoint.js';
import { boundOf, type Run } from './backfill-run.js';

interface Pending {
  after: string[];
  size: number;
  /** undefined: the read failed (the bound is read again when it is needed). */
  bound: Promise<string[] | null | undefined>;
}

export class BoundReadAhead {
  private pending: Pending | null = null;
  private readonly enabled: boolean;

  constructor(
    private readonly run: Run,
    private readonly sql: BatchStatements,
  ) {
    const { delayMs, maxRowsPerSecond } = run.step.batch;
    this.enabled = run.ctx.conn.kind !== 'pglite' && delayMs === 0 && maxRowsPerSecond === undefined;
  }

  /** Starts reading the bound of the `size` rows after `after`, when reading ahead is on. */
  start(after: string[], size: number): void {
    if (!this.enabled) return;
    const bound = this.read(after, size).catch(() => undefined);
    this.pending = { after, size, bound };
  }

  /** The bound of the `size` rows after `after` (null: none left): the one read ahead when it matches, else read now. */
  async bound(after: string[] | null, size: number): Promise<string[] | null> {
    const ahead = this.pending;
    this.pending = null;
    if (ahead && after !== null && ahead.size === size && sameKey(ahead.after, after)) {
      const bound = await ahead.bound;
      if (bound !== undefined) return bound;
    }
    return this.read(after, size);
  }

  async settle(): Promise<void> {
    await this.pending?.bound;
  }

  private async read(after: string[] | null, size: number): Promise<string[] | null> {
    const sql = after === null ? this.sql.firstBound : this.sql.nextBound;
    const found = await this.run.ctx.session.query<Record<string, string>>(sql, [...(after ?? []), size]);
    return boundOf(this.run, found.rows[0]);
  }
}
