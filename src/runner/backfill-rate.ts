/**
 * The backfill's rows/s: a ceiling that holds over any window of one second, and the rate shown.
 *
 * The ceiling (`max_rows_per_second`) is kept by admitting batches: a batch of n rows may start when
 * the rows of the batches that committed less than a second ago, plus those still running, plus its
 * own n, are at most the ceiling. Whatever one-second window is looked at, the batch in it that
 * started last was admitted with every other batch of that window counted, so no window (of start or
 * of commit times, with any number of workers) holds more than the ceiling; the only excess is rows
 * a batch finds beyond its reservation (rows inserted into its key range meanwhile). Nothing is
 * saved up while the backfill waits (pause, throttle): the window only looks back one second.
 * Between starts, batches are also spaced by their share of a second (n / ceiling), so that the
 * second's rows are spread over it rather than written at its beginning.
 */
import { sleep } from './sleep.js';

export type Clock = () => number;
const realClock: Clock = () => performance.now();

interface Admitted {
  rows: number;
  /** When it committed (or failed); null while it runs. */
  endedAt: number | null;
}

export interface Ticket {
  readonly rows: number;
}

const WINDOW_MS = 1000;

export class RowRateLimiter {
  private readonly admitted: Admitted[] = [];
  /** The earliest start for the next batch by spacing alone. */
  private nextStart = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | null = null;

  constructor(
    readonly rowsPerSecond: number,
    private readonly now: Clock = realClock,
  ) {}

  /** The largest batch the ceiling can admit at all: one second's rows. */
  get maxBatch(): number {
    return Math.max(1, Math.floor(this.rowsPerSecond));
  }

  private forget(now: number): void {
    while (
      this.admitted.length > 0 &&
      this.admitted[0]!.endedAt !== null &&
      this.admitted[0]!.endedAt <= now - WINDOW_MS
    )
      this.admitted.shift();
  }

  /**
   * How long a batch of `rows` must wait before it may start; 0: now. Infinity: only when a running
   * batch ends (the rows still running alone leave no room).
   */
  waitMs(rows: number): number {
    const now = this.now();
    this.forget(now);
    let used = Math.min(rows, this.maxBatch) + this.admitted.reduce((sum, a) => sum + a.rows, 0);
    let at = now;
    for (const a of [...this.admitted].filter((x) => x.endedAt !== null).sort((x, y) => x.endedAt! - y.endedAt!)) {
      if (used <= this.rowsPerSecond) break;
      used -= a.rows;
      at = a.endedAt! + WINDOW_MS;
    }
    if (used > this.rowsPerSecond) return Number.POSITIVE_INFINITY;
    return Math.max(0, at - now, this.nextStart - now);
  }

  /** Record the start of a batch of (at most) `rows`; call when waitMs said 0. */
  start(rows: number): Ticket {
    const now = this.now();
    const ticket: Admitted = { rows, endedAt: null };
    this.admitted.push(ticket);
    this.nextStart = Math.max(now, this.nextStart) + (rows / this.rowsPerSecond) * 1000;
    return ticket;
  }

  /** The batch ended having written `actual` rows (0 when it failed and rolled back). */
  end(ticket: Ticket, actual: number): void {
    const a = ticket as Admitted;
    this.nextStart += ((Math.max(actual, 0) - a.rows) / this.rowsPerSecond) * 1000;
    a.rows = Math.max(actual, 0);
    a.endedAt = this.now();
    this.admitted.sort((x, y) => (x.endedAt ?? Number.POSITIVE_INFINITY) - (y.endedAt ?? Number.POSITIVE_INFINITY));
    this.wake?.();
  }

  /** Wait (real time) until a batch of `rows` may start, then start it; null when aborted. */
  async admit(rows: number, signal: AbortSignal): Promise<Ticket | null> {
    for (;;) {
      if (signal.aborted) return null;
      const ms = this.waitMs(rows);
      if (ms <= 0) return this.start(rows);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(Number.isFinite(ms) ? ms : 1000, signal).then(resolve);
      });
      this.wake = null;
    }
  }
}

/**
 * The rate shown: rows over the last few seconds of active work. Time spent waiting on a throttle
 * or a pause does not count (the clock of active work stops), and while waiting the rate is 0: the
 * display says why it waits instead of a rate that is no longer true.
 */
export class RateMeter {
  /** Rows done by moments of active time; the first one at or before the span's start is kept. */
  private readonly samples: { at: number; rows: number }[] = [{ at: 0, rows: 0 }];
  private readonly origin: number;
  private stoppedAt: number | null = null;
  private stoppedMs = 0;
  private rows = 0;

  constructor(
    private readonly spanMs = 5000,
    private readonly now: Clock = realClock,
  ) {
    this.origin = now();
  }

  /** Active time since the start: stopped periods left out. */
  private active(): number {
    const t = this.now();
    return t - this.origin - this.stoppedMs - (this.stoppedAt === null ? 0 : t - this.stoppedAt);
  }

  /** The clock of active work stops (a throttle or pause holds the backfill)… */
  stop(): void {
    if (this.stoppedAt === null) this.stoppedAt = this.now();
  }

  /** …and goes on. */
  go(): void {
    if (this.stoppedAt === null) return;
    this.stoppedMs += this.now() - this.stoppedAt;
    this.stoppedAt = null;
  }

  get waiting(): boolean {
    return this.stoppedAt !== null;
  }

  add(rows: number): void {
    this.rows += rows;
    const at = this.active();
    this.samples.push({ at, rows: this.rows });
    while (this.samples.length > 1 && this.samples[1]!.at <= at - this.spanMs) this.samples.shift();
  }

  /** Rows per second over (about) the last `spanMs` of active work; 0 while waiting. */
  rowsPerSecond(): number {
    if (this.waiting) return 0;
    const at = this.active();
    const base = this.samples.findLast((s) => s.at <= at - this.spanMs) ?? this.samples[0]!;
    const seconds = (at - base.at) / 1000;
    return seconds > 0 ? (this.rows - base.rows) / seconds : 0;
  }
}
