/**
 * The adaptive pace of a backfill whose plan sets no batch size, delay or target time: the size of
 * the next batch and the pause after it, moved by what the database shows while the batches run.
 *
 * Signals (sampled by backfill-probe.ts on a connection of its own):
 * - a probe commit: a one-row write committed like an application's, its latency against the
 *   baseline measured before the first batch (what the application feels: WAL flushes, CPU, locks);
 * - sessions of the application waiting for locks on the table (rows a batch holds) or on WAL;
 * - replication lag, when replicas exist;
 * - each batch's own duration: how long its rows stay locked.
 * A worse signal halves the batch (then doubles a pause once the batch is at its smallest); when all
 * are calm the pause goes first, then the batch grows toward a target time. Decisions wait for fresh
 * probes taken after the last change, so that a change is judged by its own effect. Every change
 * carries its reason in words ("probe commit 4.1 ms > 2× baseline 1.6 ms: batch 800 → 400").
 */

export interface Pace {
  size: number;
  delayMs: number;
}

export interface PaceSample {
  commitMs: number;
  /** Sessions other than the backfill's own waiting for a lock on the table or a row of it. */
  lockWaiters: number;
  /** Sessions other than the backfill's own waiting to write or flush WAL. */
  walWaiters: number;
  /** Other client sessions at work on the server (in a statement or a transaction); absent: unknown. */
  othersActive?: number;
  /** The worst replica's lag, when replicas exist. */
  replicaLag?: { ms: number; on: string };
  /** No batch of this backfill ran while it was taken: what the database gives without the backfill. */
  idle?: boolean;
}

export interface PaceBaseline {
  /** The median probe commit before the first batch… */
  commitMs: number;
  /** …and its tail (the second slowest of the baseline's probes). */
  tailMs: number;
  walWaiters: number;
}

/** What moved the pace: the batch's own time, the probe (median, tail), waiters, replicas, or calm. */
export type PaceSignal =
  'batch-time' | 'probe' | 'probe-tail' | 'lock-waiters' | 'wal-waiters' | 'replica-lag' | 'calm';

export interface PaceChange {
  from: Pace;
  to: Pace;
  reason: string;
  signal: PaceSignal;
  /** The figures behind the decision. */
  probeMs: number | null;
  baselineMs: number | null;
}

export const PACE_LIMITS = {
  minSize: 20,
  maxSize: 50_000,
  maxDelayMs: 1000,
  /** Batches grow while they take less than this (row locks held, WAL written at once)… */
  batchTargetMs: 30,
  /** …or this while no other session is at work (nobody waits for their rows)… */
  aloneBatchTargetMs: 80,
  /** …and are cut back to the target when one takes longer than this. */
  batchCeilingMs: 100,
  /** Slower: the probe's median is above both ratio × baseline and baseline + extra ms. */
  slowRatio: 2,
  slowExtraMs: 1,
  /** Faster: the probe's median is at most ratio × baseline or baseline + extra ms. */
  calmRatio: 1.5,
  calmExtraMs: 0.5,
  /** Probes taken after the last change before the next decision (one probe every 50 ms: about 200 ms). */
  freshProbes: 4,
  /** Probes taken while no batch ran (during pauses) that make a new baseline: the database moved without us… */
  idleProbes: 8,
  /** …out of the last this many idle probes. */
  idleHistory: 24,
  /** Without probes (one backend, PGlite): batches judged by their time alone, every this many. */
  freshBatches: 2,
  /** Slower when application sessions waiting on WAL exceed the baseline by at least this many. */
  walWaitersAbove: 2,
  /** Slower while the worst replica lags more than this (a plan's max_replica_lag still pauses outright). */
  replicaLagMs: 1000,
  /**
   * Probes in a row (2 s) that saw no other session at work: nobody is there to feel a slower commit, so the probe's
   * own latency (the backfill's own load on the server) no longer holds the backfill back.
   */
  quietProbes: 40,
} as const;

type Limits = typeof PACE_LIMITS;

function ms(n: number): string {
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
}

/** Probes kept for one decision: a long wait between two batches leaves the latest. */
const MAX_WINDOW = 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The tail of a handful of samples: the second slowest (one outlier alone is noise). */
function secondSlowest(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.at(-2) ?? sorted.at(-1) ?? 0;
}

/** What a set of probes taken without the backfill says: the median commit, its tail, the WAL waiters. */
export function baselineOf(samples: PaceSample[]): PaceBaseline {
  const commits = samples.map((s) => s.commitMs);
  return {
    commitMs: median(commits),
    tailMs: secondSlowest(commits),
    walWaiters: median(samples.map((s) => s.walWaiters)),
  };
}

function changeText(from: Pace, to: Pace): string {
  const parts: string[] = [];
  if (from.size !== to.size) parts.push(`batch ${from.size} → ${to.size}`);
  if (from.delayMs !== to.delayMs) parts.push(`delay ${from.delayMs} → ${to.delayMs} ms`);
  return parts.join(', ');
}

export class PaceController {
  pace: Pace;
  /** The last change, for `status` and the progress line. */
  last: PaceChange | null = null;
  private probes: PaceSample[] = [];
  private idle: PaceSample[] = [];
  private idleSinceRebaseline = 0;
  /** Probes in a row that saw no other session at work. */
  private quiet = 0;
  private batchMs: number[] = [];
  /** The size at which the database last pushed back: growth is gentle near it. */
  private pushedBackAt: number | null = null;

  /**
   * `baseline`: null where no probe runs (one backend), then batch time alone decides. `maxSize`: a rows/s ceiling
   * caps the batch at one second's rows.
   */
  constructor(
    start: Pace,
    private baseline: PaceBaseline | null,
    private readonly table: string,
    private readonly maxSize: number = PACE_LIMITS.maxSize,
    private readonly limits: Limits = PACE_LIMITS,
  ) {
    this.pace = { size: Math.min(start.size, maxSize), delayMs: start.delayMs };
  }

  /** The probe's baseline commit now (null without a probe). */
  get baselineMs(): number | null {
    return this.baseline?.commitMs ?? null;
  }

  /** The probe stopped for good: from now on batch time alone decides. */
  withoutProbe(): void {
    this.baseline = null;
    this.keep();
  }

  /** A probe finished (or one still running has already taken this long). */
  addProbe(sample: PaceSample): void {
    // Every probe counts for the decision (an application sees pauses and batches alike); idle ones also rebaseline.
    // Judging by busy probes alone would favour slow ones: a long probe is more likely to overlap a short batch.
    this.probes.push(sample);
    this.quiet = sample.othersActive === undefined || sample.othersActive > 0 ? 0 : this.quiet + 1;
    if (this.probes.length > MAX_WINDOW) this.probes.shift();
    if (sample.idle) this.rebaseline(sample);
  }

  /**
   * Probes taken while no batch ran show what the database gives without the backfill: when enough have come, they
   * are the new baseline (up or down), so that slowness the backfill does not cause (another workload, a noisy
   * neighbour) is not blamed on it and does not stop it for good.
   */
  private rebaseline(sample: PaceSample): void {
    const base = this.baseline;
    if (!base) return;
    this.idle.push(sample);
    if (this.idle.length > this.limits.idleHistory) this.idle.shift();
    if (++this.idleSinceRebaseline < this.limits.idleProbes) return;
    this.idleSinceRebaseline = 0;
    const fresh = baselineOf(this.idle);
    Object.assign(base, fresh, { tailMs: Math.max(fresh.commitMs * this.limits.calmRatio, fresh.tailMs) });
  }

  /** A batch of this pace ended after `elapsedMs`; returns the change it leads to, if any. */
  afterBatch(elapsedMs: number): PaceChange | null {
    this.batchMs.push(elapsedMs);
    if (this.batchMs.length > MAX_WINDOW) this.batchMs.shift();
    const l = this.limits;
    if (elapsedMs > l.batchCeilingMs && this.pace.size > l.minSize) {
      const size = Math.max(l.minSize, Math.round((this.pace.size * l.batchTargetMs) / elapsedMs));
      return this.change(
        { ...this.pace, size },
        `batch took ${ms(elapsedMs)} > ${l.batchCeilingMs} ms (its rows stay locked that long)`,
        null,
        'batch-time',
      );
    }
    return this.baseline ? this.byProbes(this.baseline) : this.byBatchTime();
  }

  private byProbes(base: PaceBaseline): PaceChange | null {
    const l = this.limits;
    if (this.probes.length < l.freshProbes) return null;
    const probeMs = median(this.probes.map((s) => s.commitMs));
    const worstMs = secondSlowest(this.probes.map((s) => s.commitMs));
    // A baseline taken in a busy moment would let the backfill take more than a calm database gives: it only goes down.
    base.commitMs = Math.min(base.commitMs, probeMs);
    base.tailMs = Math.max(base.commitMs * l.calmRatio, Math.min(base.tailMs, worstMs));
    const lockWaiters = this.probes.reduce((most, s) => Math.max(most, s.lockWaiters), 0);
    const walWaiters = median(this.probes.map((s) => s.walWaiters));
    const lag = this.probes.at(-1)!.replicaLag;
    const slowAbove = Math.max(base.commitMs * l.slowRatio, base.commitMs + l.slowExtraMs);
    const tailAbove = Math.max(base.tailMs * l.slowRatio, base.tailMs + l.slowExtraMs);
    const alone = this.quiet >= l.quietProbes;
    const pushback: [PaceSignal, string] | null = alone
      ? lag && lag.ms > l.replicaLagMs
        ? ['replica-lag', `replica lag ${ms(lag.ms)} > ${l.replicaLagMs} ms on ${lag.on}`]
        : null
      : probeMs > slowAbove
        ? ['probe', `probe commit ${ms(probeMs)} > ${l.slowRatio}× baseline ${ms(base.commitMs)}`]
        : worstMs > tailAbove
          ? [
              'probe-tail',
              `second slowest probe commit ${ms(worstMs)} > ${l.slowRatio}× baseline tail ${ms(base.tailMs)}`,
            ]
          : lockWaiters > 0
            ? [
                'lock-waiters',
                `${lockWaiters} session${lockWaiters === 1 ? '' : 's'} waiting for locks on ${this.table}`,
              ]
            : walWaiters >= base.walWaiters + l.walWaitersAbove
              ? ['wal-waiters', `${walWaiters} sessions waiting on WAL (baseline ${base.walWaiters})`]
              : lag && lag.ms > l.replicaLagMs
                ? ['replica-lag', `replica lag ${ms(lag.ms)} > ${l.replicaLagMs} ms on ${lag.on}`]
                : null;
    if (pushback !== null) {
      this.pushedBackAt = this.pace.size;
      return this.change(this.slower(), pushback[1], probeMs, pushback[0]);
    }
    if (alone) return this.faster(`no other session at work in the last ${l.quietProbes} probes`, probeMs, true);
    const calmUpTo = Math.max(base.commitMs * l.calmRatio, base.commitMs + l.calmExtraMs);
    const tailCalmUpTo = Math.max(base.tailMs * l.calmRatio, base.tailMs + l.calmExtraMs);
    if (probeMs > calmUpTo || worstMs > tailCalmUpTo || walWaiters > base.walWaiters + 1) return this.keep();
    const why = `probe commit ${ms(probeMs)} ≤ ${l.calmRatio}× baseline ${ms(base.commitMs)}`;
    return this.faster(why, probeMs);
  }

  private byBatchTime(): PaceChange | null {
    if (this.batchMs.length < this.limits.freshBatches) return null;
    return this.faster('no probe on this database (one backend)', null);
  }

  /** Calm: the pause shrinks first, then the batch grows toward the target time (gently near the last push-back). */
  private faster(why: string, probeMs: number | null, alone = false): PaceChange | null {
    const l = this.limits;
    if (this.pace.delayMs > 0) {
      const delayMs = this.pace.delayMs < 2 ? 0 : Math.floor(this.pace.delayMs / 2);
      return this.change({ ...this.pace, delayMs }, why, probeMs, 'calm');
    }
    // With nobody there, no row lock is in anyone's way: batches may take longer, and an old push-back no longer counts.
    const targetMs = alone ? l.aloneBatchTargetMs : l.batchTargetMs;
    if (alone) this.pushedBackAt = null;
    const typical = median(this.batchMs);
    if (typical >= targetMs) return this.keep();
    const near = this.pushedBackAt !== null && this.pace.size * 2 >= this.pushedBackAt;
    const factor = Math.min(near ? 1.25 : 2, targetMs / Math.max(typical, 1));
    const size = Math.min(this.maxSize, l.maxSize, Math.round(this.pace.size * factor));
    if (size <= this.pace.size) return this.keep();
    return this.change({ ...this.pace, size }, `${why}, batches ${ms(typical)} < ${targetMs} ms`, probeMs, 'calm');
  }

  private slower(): Pace {
    const l = this.limits;
    if (this.pace.size > l.minSize) return { ...this.pace, size: Math.max(l.minSize, Math.floor(this.pace.size / 2)) };
    const delayMs = this.pace.delayMs === 0 ? 5 : Math.min(l.maxDelayMs, this.pace.delayMs * 2);
    return { ...this.pace, delayMs };
  }

  private keep(): null {
    this.probes = [];
    this.batchMs = [];
    return null;
  }

  private change(to: Pace, why: string, probeMs: number | null, signal: PaceSignal): PaceChange | null {
    const from = this.pace;
    this.keep();
    if (to.size === from.size && to.delayMs === from.delayMs) return null;
    this.pace = to;
    this.last = {
      from,
      to,
      reason: `${why}: ${changeText(from, to)}`,
      signal,
      probeMs,
      baselineMs: this.baseline?.commitMs ?? null,
    };
    return this.last;
  }
}
