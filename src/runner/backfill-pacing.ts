/**
 * Ties the adaptive pace (backfill-pace.ts) and its probe (backfill-probe.ts) to a running backfill:
 * started before the first batch when the plan sets no size, delay or target time, consulted after
 * every batch (sequential or on workers), and its changes told where people look: the progress line,
 * the step row's `pace` (`status`), and `pace` events (the first change and every push-back for a
 * new reason at once; growth at most every 2 s, the same reason again every 15 s; the changes in
 * between counted in the next).
 */
import type { StepPace } from '../state/store.js';
import { PaceController, PACE_LIMITS, type PaceChange } from './backfill-pace.js';
import { startProbe, type Probe } from './backfill-probe.js';
import { record, type Run } from './backfill-run.js';

/** A change for another reason than the last recorded one is recorded after this long… */
const NEW_SIGNAL_RECORD_AFTER_MS = 2000;
/** …one for the same reason after this long; the changes in between are counted in the next event. */
const SAME_SIGNAL_RECORD_AFTER_MS = 15_000;
/** `status` shows the pace of at most this long ago. */
const ROW_EVERY_MS = 2000;

export interface Pacing {
  controller: PaceController;
  probe: Probe | null;
  /** The in-flight probe already counted as a slow sample (counted once, however many batches end meanwhile). */
  countedPending: number;
  /** Changes since the last `pace` event, when that was, and what moved it. */
  unrecorded: number;
  recordedAt: number;
  recordedSignal: PaceChange['signal'] | null;
  /** When the step row's `pace` was last written (at most every ROW_EVERY_MS between events). */
  rowWrittenAt: number;
  changes: number;
  changedAt: Date | null;
}

/** Starts the pace of an adaptive backfill (measuring the probe's baseline first); null for fixed settings. */
export async function startPacing(run: Run): Promise<Pacing | null> {
  const { step } = run;
  if (step.kind !== 'backfill' || !step.batch.adaptive) return null;
  const started = await startProbe(run);
  try {
    return await paceWith(run, started);
  } catch (e) {
    await started.probe?.stop();
    throw e;
  }
}

async function paceWith(run: Run, started: Awaited<ReturnType<typeof startProbe>>): Promise<Pacing> {
  const { step } = run;
  const baseline = started.probe?.baseline ?? null;
  const maxSize = run.limiter ? Math.min(run.limiter.maxBatch, PACE_LIMITS.maxSize) : PACE_LIMITS.maxSize;
  const controller = new PaceController({ size: run.size, delayMs: run.delayMs }, baseline, step.table, maxSize);
  run.size = controller.pace.size;
  const pacing: Pacing = {
    controller,
    probe: started.probe,
    countedPending: 0,
    unrecorded: 0,
    recordedAt: Number.NEGATIVE_INFINITY,
    recordedSignal: null,
    rowWrittenAt: performance.now(),
    changes: 0,
    changedAt: null,
  };
  const how = baseline
    ? `probe commit baseline ${baseline.commitMs.toFixed(1)} ms (tail ${baseline.tailMs.toFixed(1)} ms), ` +
      `${baseline.walWaiters} sessions waiting on WAL`
    : `batch time alone (${'why' in started ? started.why : ''})`;
  await record(run, 'pace', `${step.id}: adaptive pace from batches of ${run.size}, no delay; ${how}`, {
    pace: paceOf(pacing),
  });
  await run.ctx.store.setStep(run.ctx.plan.plan.name, step.id, { pace: paceOf(pacing) });
  return pacing;
}

export function paceOf(p: Pacing): StepPace {
  const last = p.controller.last;
  return {
    size: p.controller.pace.size,
    delay_ms: p.controller.pace.delayMs,
    baseline_ms: p.controller.baselineMs === null ? null : round(p.controller.baselineMs),
    probe_ms: last?.probeMs == null ? null : round(last.probeMs),
    reason: last?.reason ?? null,
    changed_at: p.changedAt?.toISOString() ?? null,
    changes: p.changes,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** After a batch of `elapsedMs`: feed the controller what the probe saw, apply a change and tell about it. */
export async function pacedAfterBatch(run: Run, pacing: Pacing, elapsedMs: number): Promise<void> {
  const { controller, probe } = pacing;
  if (probe) {
    for (const s of probe.take()) controller.addProbe(s);
    const pending = probe.pending();
    if (pending && pending.ms > PACE_LIMITS.batchCeilingMs && pending.seq !== pacing.countedPending) {
      pacing.countedPending = pending.seq;
      controller.addProbe({ commitMs: pending.ms, lockWaiters: 0, walWaiters: 0 });
    }
    const failed = probe.failure();
    if (failed !== null) {
      pacing.probe = null;
      controller.withoutProbe();
      await telemetry(run, () =>
        record(run, 'pace', `${run.step.id}: the pace probe stopped (${failed}): batch time alone`),
      );
    }
  }
  const change = controller.afterBatch(elapsedMs);
  if (!change) return;
  run.size = change.to.size;
  run.delayMs = change.to.delayMs;
  pacing.changes++;
  pacing.unrecorded++;
  pacing.changedAt = new Date();
  // A push-back for a new reason is recorded at once: it is what someone looking at a slow backfill wants to see.
  const after =
    change.signal === pacing.recordedSignal
      ? SAME_SIGNAL_RECORD_AFTER_MS
      : change.signal === 'calm'
        ? NEW_SIGNAL_RECORD_AFTER_MS
        : 0;
  if (performance.now() - pacing.recordedAt >= after) await telemetry(run, () => recordPace(run, pacing, change));
  else if (performance.now() - pacing.rowWrittenAt >= ROW_EVERY_MS) await telemetry(run, () => writeRow(run, pacing));
}

/** A pace record that cannot be written is told, never a reason to fail the backfill (its batch is committed). */
async function telemetry(run: Run, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    run.ctx.emit({
      type: 'info',
      message: `${run.step.id}: the pace could not be recorded (${(e as Error).message.split('\n')[0]}); going on`,
    });
  }
}

async function recordPace(run: Run, pacing: Pacing, change: PaceChange): Promise<void> {
  const more = pacing.unrecorded > 1 ? ` (${pacing.unrecorded - 1} more change(s) since the last pace event)` : '';
  pacing.unrecorded = 0;
  pacing.recordedAt = performance.now();
  pacing.recordedSignal = change.signal;
  const pace = paceOf(pacing);
  await record(run, 'pace', `${run.step.id}: ${change.reason}${more}`, { pace, from: change.from, to: change.to });
  await writeRow(run, pacing);
}

async function writeRow(run: Run, pacing: Pacing): Promise<void> {
  pacing.rowWrittenAt = performance.now();
  await run.ctx.store.setStep(run.ctx.plan.plan.name, run.step.id, { pace: paceOf(pacing) });
}

/** Stops the probe and records where the pace ended. */
export async function stopPacing(run: Run, pacing: Pacing | null): Promise<void> {
  if (!pacing) return;
  await pacing.probe?.stop();
  pacing.probe = null;
  const last = pacing.controller.last;
  if (pacing.unrecorded > 0 && last) await recordPace(run, pacing, last);
  else await writeRow(run, pacing);
}

/** The pace shown beside a backfill's progress: the batch, the pause, and why it last changed. */
export function paceText(p: Pacing): string {
  const { size, delayMs } = p.controller.pace;
  const last = p.controller.last;
  return `batch ${size}${delayMs > 0 ? `, delay ${delayMs} ms` : ''}${last ? ` — ${last.reason}` : ''}`;
}
