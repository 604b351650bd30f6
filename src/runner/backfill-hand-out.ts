/**
 * The hand-out of key ranges to a backfill's workers, and the one owner of what it keeps while they
 * run: the holes a stopped run left (redone first, in pieces of the batch size), the frontier new
 * ranges start from, whether the key is exhausted, and the first worker failure (after which nothing
 * more is handed out). Ranges are handed out one at a time, in key order: the key walk is a chain,
 * each range starting where the last one ended. At full speed the next new range's bound is read
 * while the workers run (BoundReadAhead), so that a worker coming back for a range does not wait
 * for that index walk.
 */
import type { BatchStatements } from '../dialects/backfill.js';
import { frontier, holes, sameKey, type Checkpoint, type KeyRange } from './backfill-checkpoint.js';
import type { Ticket } from './backfill-rate.js';
import { BoundReadAhead } from './backfill-read-ahead.js';
import { admitBatch, boundOf, holdIfDue, type Run } from './backfill-run.js';
import type { Throttle } from './throttle.js';

/** A range to update, with its reservation under the rows/s ceiling (null without one). */
export interface HandedRange {
  range: KeyRange;
  ticket: Ticket | null;
}

export class RangeHandOut {
  /** Holes still to redo, first one first; the first is cut down as its pieces are handed out. */
  private readonly pending: KeyRange[];
  private next: { after: string[] | null; seq: number };
  private exhausted = false;
  private failure: { error: unknown } | null = null;
  /** The hand-out in progress: the next one waits for it. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly readAhead: BoundReadAhead;

  constructor(
    private readonly run: Run,
    private readonly throttles: Throttle[],
    private readonly sql: BatchStatements,
    claimed: Checkpoint,
  ) {
    this.pending = holes(claimed);
    this.next = frontier(claimed);
    this.readAhead = new BoundReadAhead(run, sql);
  }

  /** Waits for a bound still being read ahead, so that the runner's session is free when the workers are done. */
  settle(): Promise<void> {
    return this.readAhead.settle();
  }

  /** The holes an earlier run left, as found at the start. */
  get holesAtStart(): KeyRange[] {
    return [...this.pending];
  }

  /** A worker failed: nothing more is handed out, and the first failure is what the run throws. */
  fail(error: unknown): void {
    this.failure ??= { error };
  }

  /** Throws the first worker failure, if any. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** The next range to update, after the throttles and the ceiling say go; null when there is none or the run stops. */
  handOut(): Promise<HandedRange | null> {
    const turn = this.queue.then(() => this.nextRange());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private stopping(): boolean {
    return this.failure !== null || this.run.ctx.signal.aborted;
  }

  private async nextRange(): Promise<HandedRange | null> {
    const { run } = this;
    if (this.stopping() || (this.exhausted && this.pending.length === 0)) return null;
    await holdIfDue(run, this.throttles);
    const ticket = await admitBatch(run);
    const unused = () => void (ticket && run.limiter!.end(ticket, 0));
    if (this.stopping()) {
      unused();
      return null;
    }
    // The range is cut to the rows reserved (another worker may resize meanwhile).
    const size = ticket?.rows ?? run.size;
    const hole = this.pending[0];
    const range = await (hole ? this.pieceOfHole(hole, size) : this.newRange(size)).catch((e: unknown) => {
      unused();
      throw e;
    });
    if (!range) unused();
    return range && { range, ticket };
  }

  /** The next piece of the first hole, at most `size` rows to update, up to the hole's end. */
  private async pieceOfHole(hole: KeyRange, size: number): Promise<KeyRange> {
    const { ctx } = this.run;
    const params = [...(hole.after ?? []), ...hole.upTo, size];
    const sql = hole.after === null ? this.sql.firstBoundWithin : this.sql.nextBoundWithin;
    const found = await ctx.session.query<Record<string, string>>(sql, params);
    const upTo = boundOf(this.run, found.rows[0]);
    const piece = { after: hole.after, upTo: upTo ?? hole.upTo, seq: hole.seq };
    if (upTo === null || sameKey(upTo, hole.upTo)) this.pending.shift();
    else Object.assign(hole, { after: upTo, seq: hole.seq + 1 });
    return piece;
  }

  /** The next `size` rows to update after the frontier; null when none is left. */
  private async newRange(size: number): Promise<KeyRange | null> {
    const { after, seq } = this.next;
    const upTo = await this.readAhead.bound(after, size);
    if (upTo === null) {
      this.exhausted = true;
      return null;
    }
    this.next = { after: upTo, seq: seq + 1 };
    this.readAhead.start(upTo, size);
    return { after, upTo, seq };
  }
}
