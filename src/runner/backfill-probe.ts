/**
 * The adaptive pace's eyes (backfill-pace.ts): on a connection of its own, a one-row write committed
 * every PROBE_EVERY_MS the way an application commits (its latency), and the application's sessions
 * waiting for the table's locks or for WAL; replica lag about once a second where replicas exist.
 * The baseline is measured the same way before the first batch. A probe that does not answer within
 * lock_timeout is a slow sample, never a hang; a probe connection that fails leaves the pace to batch
 * time alone, and says so.
 */
import type { Queryable, Session } from '../db/connection.js';
import { baselineOf, type PaceBaseline, type PaceSample } from './backfill-pace.js';
import type { Run } from './backfill-run.js';
import { lagOfReplica, lagsSeenByPrimary, worstLag, type ReplicaLag } from './replicas.js';
import { sleep } from './sleep.js';

export const PROBE_EVERY_MS = 50;
const BASELINE_PROBES = 12;
const BASELINE_SPACING_MS = 10;
const LAG_EVERY_MS = 1000;
/** Samples kept between two batches: a long pause or throttle keeps only the latest. */
const MAX_SAMPLES = 200;

export interface Probe {
  baseline: PaceBaseline;
  /** The samples taken since the last call. */
  take(): PaceSample[];
  /** The probe in flight (its number, how long it has been waiting), if any: a blocked probe is a slow one already. */
  pending(): { seq: number; ms: number } | null;
  /** Why probing stopped early (the probe connection failed), once. */
  failure(): string | null;
  stop(): Promise<void>;
}

class Prober {
  samples: PaceSample[] = [];
  inFlightSince: number | null = null;
  seq = 0;
  stopped = false;
  failed: string | null = null;
  private lag: ReplicaLag | undefined;
  private lagReadAt = Number.NEGATIVE_INFINITY;
  private lagReading = false;

  constructor(
    private readonly run: Run,
    private readonly db: Queryable,
  ) {}

  /** One probe commit and one look at the waiters; a probe that errs (lock_timeout) counts with its elapsed time. */
  async sample(): Promise<PaceSample> {
    const { ctx, key } = this.run;
    const began = performance.now();
    const startedBefore = this.run.batchesStarted;
    const idleAtStart = this.run.batchesRunning === 0;
    this.inFlightSince = began;
    this.seq++;
    try {
      await ctx.store.probeCommit(ctx.plan.plan.name, this.db);
    } catch (e) {
      if (!/timeout|canceling statement/i.test((e as Error).message)) throw e;
    } finally {
      this.inFlightSince = null;
    }
    const commitMs = performance.now() - began;
    const idle = idleAtStart && this.run.batchesRunning === 0 && this.run.batchesStarted === startedBefore;
    const { sql, params } = ctx.dialect.activity.paceWaiters(key.oid, [...this.run.ownPids]);
    const row = (await this.db.query<{ lock: number; wal: number; others: number }>(sql, params)).rows[0];
    this.readLag();
    return {
      commitMs,
      lockWaiters: Number(row?.lock ?? 0),
      walWaiters: Number(row?.wal ?? 0),
      othersActive: Number(row?.others ?? 0),
      ...(idle ? { idle: true } : {}),
      ...(this.lag && Number.isFinite(this.lag.ms) ? { replicaLag: { ms: this.lag.ms, on: this.lag.on } } : {}),
    };
  }

  /**
   * Replica lags about once a second, never awaited by a sample: a standby that does not answer must not hold the
   * probe (or the end of the backfill) with it. One that cannot be read is left out here; `max_replica_lag` holds.
   */
  private readLag(): void {
    if (this.lagReading || performance.now() - this.lagReadAt < LAG_EVERY_MS) return;
    this.lagReadAt = performance.now();
    this.lagReading = true;
    const { ctx } = this.run;
    const activity = ctx.dialect.activity;
    void Promise.all([
      lagsSeenByPrimary(this.run.ctx.monitor ?? this.run.ctx.conn, activity),
      ...(ctx.replicas ?? []).map((r) => lagOfReplica(r, activity).then((lag) => [lag])),
    ])
      .then((found) => {
        const lags = found.flat().filter((l) => Number.isFinite(l.ms));
        this.lag = worstLag(lags);
      })
      .catch(() => undefined)
      .finally(() => (this.lagReading = false));
  }

  async baseline(): Promise<PaceBaseline> {
    const taken: PaceSample[] = [];
    for (let i = 0; i < BASELINE_PROBES; i++) {
      taken.push(await this.sample());
      await sleep(BASELINE_SPACING_MS, this.run.ctx.signal);
    }
    return baselineOf(taken);
  }

  /** Probes until stopped; not while a throttle or a pause holds the backfill (it would only add WAL). */
  async loop(): Promise<void> {
    while (!this.stopped && !this.run.ctx.signal.aborted) {
      const began = performance.now();
      if (!this.run.held) {
        this.samples.push(await this.sample());
        if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
      }
      await sleep(Math.max(0, PROBE_EVERY_MS - (performance.now() - began)), this.run.ctx.signal);
    }
  }
}

/**
 * Starts probing on a connection of its own and resolves once the baseline is measured; null where
 * the database has one backend (PGlite) or no second connection could be had (the reason is
 * returned for the run's record).
 */
export async function startProbe(run: Run): Promise<{ probe: Probe } | { probe: null; why: string }> {
  const { ctx } = run;
  if (ctx.conn.kind === 'pglite') return { probe: null, why: 'one backend (PGlite): no probe beside the batches' };
  let ready!: (b: PaceBaseline | Error) => void;
  const baselineOrError = new Promise<PaceBaseline | Error>((resolve) => (ready = resolve));
  let prober: Prober | null = null;
  const onSession = async (db: Session): Promise<void> => {
    await db.exec(ctx.dialect.activity.probeSession);
    const pid = await db.backendPid();
    if (pid !== null) run.ownPids.add(pid);
    const p = new Prober(run, db);
    prober = p;
    try {
      ready(await p.baseline());
      await p.loop();
    } catch (e) {
      p.failed = (e as Error).message.split('\n')[0] ?? String(e);
      ready(e as Error);
    } finally {
      if (pid !== null) run.ownPids.delete(pid);
    }
  };
  const session = ctx.conn.session(onSession).catch((e: unknown) => ready(e as Error));
  const baseline = await baselineOrError;
  if (baseline instanceof Error) {
    await session;
    return { probe: null, why: `the probe connection failed: ${baseline.message.split('\n')[0]}` };
  }
  const p = prober as unknown as Prober;
  return {
    probe: {
      baseline,
      take: () => p.samples.splice(0),
      pending: () => (p.inFlightSince === null ? null : { seq: p.seq, ms: performance.now() - p.inFlightSince }),
      failure: () => {
        const why = p.failed;
        p.failed = null;
        return why;
      },
      stop: async () => {
        p.stopped = true;
        await session;
      },
    },
  };
}
