/**
 * flag_rollout: move a feature flag through its stages, holding each for `holdMs` while the guard
 * query is polled. A failing guard sets the flag to 0% and fails the step; a flag changed by hand
 * during the rollout fails it without touching the flag. The stage being held and when its hold
 * began are the step's checkpoint, so a run killed mid-hold resumes the same hold (not a new one).
 * The rollback (stages [0]) writes to the store the rollout wrote to.
 */
import type { StateSql } from '../dialects/state.js';
import { rolloutOf } from '../flags/definition.js';
import {
  describeLocation,
  flagLocation,
  isFlagLocation,
  openFlagStore,
  type FlagLocation,
  type FlagStore,
} from '../flags/store.js';
import type { FlagRolloutStep, LockInfo } from '../operations/types.js';
import { stepLockWatch, watchLockWait } from './blockers.js';
import type { StepRow } from '../state/store.js';
import { isConnectionLost } from './connection-lost.js';
import { actorName, type RunContext } from './context.js';
import { InterruptedError } from './interrupted.js';
import { readOnlyQuery } from './read-only-query.js';
import { sleep } from './sleep.js';

export interface RolloutCheckpoint {
  flag: string;
  store: FlagLocation;
  /** The stage being held (index into `stages`); null: not begun, or stopped (the next run starts over). */
  stage: number | null;
  percent?: number;
  /** When the current stage's hold began (ISO). */
  holdStartedAt?: string;
}

/** Why a rollout stopped; `zero`: the flag goes back to 0% (guard), else it is left as someone set it. */
class RolloutStopped extends Error {
  constructor(
    message: string,
    readonly kind: 'guard-failed' | 'flag-changed',
    readonly zero: boolean,
  ) {
    super(message);
  }
}

interface Rollout {
  ctx: RunContext;
  step: FlagRolloutStep;
  location: FlagLocation;
  flags: FlagStore;
  by: string;
}

/** How often the UI hears how much of a hold is left. */
const NOTE_EVERY_MS = 10_000;

export function formatHold(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
}

/** Guard polls: every tenth of the hold, between 1 s and 5 s. */
export const pollMs = (holdMs: number) => Math.min(5000, Math.max(1000, Math.floor(holdMs / 10)));

export async function executeFlagRollout(ctx: RunContext, step: FlagRolloutStep): Promise<void> {
  const rows = await ctx.store.getSteps(ctx.plan.plan.name);
  const saved = resumable(rows.find((r) => r.step_id === step.id)?.checkpoint, step);
  const location = saved ? saved.store : locationFor(ctx, step, rows);
  const flags = openFlagStore(location, ctx.session, flagTables(ctx));
  const r: Rollout = { ctx, step, location, flags, by: `${actorName(ctx.actor)}, plan ${ctx.plan.plan.name}` };
  // Before anything is written: a value the app could not read, now or at any stage, stops the rollout here.
  await flags.checkRollout?.(step.flag, step.stages, step.filter);
  try {
    for (let i = saved?.stage ?? 0; i < step.stages.length; i++) {
      const holdStart = saved && i === saved.stage ? await resumeStage(r, i, saved) : await enterStage(r, i);
      await hold(r, i, holdStart);
    }
  } catch (e) {
    if (e instanceof RolloutStopped) await stop(r, e);
    throw e;
  }
  const planName = ctx.plan.plan.name;
  await ctx.store.event(
    planName,
    step.id,
    'flag-done',
    `flag ${step.flag} at ${step.stages.at(-1)}% in the ${describeLocation(location)}: rollout done`,
    { flag: step.flag },
    actorName(ctx.actor),
  );
  await ctx.store.setStep(planName, step.id, {
    status: 'done',
    finished_at: new Date(),
    last_error: null,
    waiting_on: null,
  });
}

/** The plan's dialect owns the flag table, on a database of that dialect only. */
function flagTables(ctx: RunContext): StateSql | undefined {
  return ctx.conn.dialect === ctx.plan.dialect.name ? ctx.plan.dialect.state : undefined;
}

function resumable(
  checkpoint: Record<string, unknown> | null | undefined,
  step: FlagRolloutStep,
): (RolloutCheckpoint & { stage: number; holdStartedAt: string }) | undefined {
  const cp = checkpoint as Partial<RolloutCheckpoint> | null | undefined;
  if (
    !cp ||
    cp.flag !== step.flag ||
    !isFlagLocation(cp.store) ||
    typeof cp.stage !== 'number' ||
    typeof cp.holdStartedAt !== 'string'
  )
    return undefined;
  return cp.percent === step.stages[cp.stage]
    ? (cp as RolloutCheckpoint & { stage: number; holdStartedAt: string })
    : undefined;
}

/** A forward rollout uses the plan's store; its rollback uses the store the rollout recorded. */
function locationFor(ctx: RunContext, step: FlagRolloutStep, rows: StepRow[]): FlagLocation {
  const forward = ctx.plan.entries.find((e) => 'steps' in e.inverse && e.inverse.steps.some((s) => s.id === step.id));
  const recorded = forward?.steps
    .map((s) => rows.find((row) => row.step_id === s.id)?.checkpoint?.store)
    .find(isFlagLocation);
  return recorded ?? flagLocation(ctx.plan.plan, process.cwd());
}

async function record(
  r: Rollout,
  checkpoint: Omit<RolloutCheckpoint, 'flag' | 'store'>,
  waiting: string | null,
): Promise<void> {
  await r.ctx.store.setStep(r.ctx.plan.plan.name, r.step.id, {
    checkpoint: { flag: r.step.flag, store: r.location, ...checkpoint },
    waiting_on: waiting,
  });
}

function stageText(r: Rollout, i: number): string {
  return `flag ${r.step.flag} at ${r.step.stages[i]}% (stage ${i + 1} of ${r.step.stages.length})`;
}

/**
 * Set the flag; a write to a flag table that waits for a row lock names who holds it (as every step's lock wait does).
 */
function writeFlag(r: Rollout, percent: number) {
  const lock: LockInfo = r.flags.writeLock ?? { level: 'none', impact: 'none', on: [] };
  return watchLockWait(stepLockWatch(r.ctx, r.step, 1, lock), async () => {
    // A plan that names no filter: the store keeps the flag's own, else uses its format's default.
    return r.flags.setPercentage(r.step.flag, percent, r.step.filter, r.by);
  });
}

async function enterStage(r: Rollout, i: number): Promise<number> {
  const { ctx, step } = r;
  const percent = step.stages[i]!;
  await checkGuard(r, i, 'before stage');
  const { before, after } = await writeFlag(r, percent);
  const holdStartedAt = new Date().toISOString();
  const holding = step.holdMs > 0 ? `, holding ${formatHold(step.holdMs)}` : '';
  await record(
    r,
    { stage: i, percent, holdStartedAt },
    step.holdMs > 0 ? `${stageText(r, i)} until ${holdStartedAt}` : null,
  );
  const message =
    `${stageText(r, i)} in ` +
    `the ${describeLocation(r.location)} (was ${rolloutOf(before).percent ?? '?'}%, ${rolloutOf(after).filter ?? step.filter ?? 'no filter'})${holding}`;
  await ctx.store.event(
    ctx.plan.plan.name,
    step.id,
    'flag-stage',
    message,
    { flag: step.flag, percent, stage: i, holdStartedAt, store: r.location },
    actorName(ctx.actor),
  );
  ctx.emit({ type: 'info', message: `${stageText(r, i)}${holding}` });
  return Date.parse(holdStartedAt);
}

async function resumeStage(
  r: Rollout,
  i: number,
  saved: RolloutCheckpoint & { holdStartedAt: string },
): Promise<number> {
  const { ctx, step } = r;
  await checkUnchanged(r, i);
  const holdStart = Date.parse(saved.holdStartedAt);
  const held = `${formatHold(Date.now() - holdStart)} of ${formatHold(step.holdMs)} held`;
  await ctx.store.event(
    ctx.plan.plan.name,
    step.id,
    'flag-resume',
    `resumed ${stageText(r, i)}: ${held}`,
    { flag: step.flag, stage: i, holdStartedAt: saved.holdStartedAt, resumedAt: new Date().toISOString() },
    actorName(ctx.actor),
  );
  ctx.emit({ type: 'info', message: `${stageText(r, i)}, resumed: ${held}` });
  return holdStart;
}

/** Wait out the hold, checking the guard (and that nobody changed the flag) every poll and once more at its end. */
async function hold(r: Rollout, i: number, holdStart: number): Promise<void> {
  const { ctx, step } = r;
  const end = holdStart + step.holdMs;
  let noted = Date.now();
  for (;;) {
    const left = end - Date.now();
    if (left > 0) await sleep(Math.min(pollMs(step.holdMs), left), ctx.signal);
    if (ctx.signal.aborted)
      throw new InterruptedError(
        `while holding ${stageText(r, i)} (${formatHold(Date.now() - holdStart)} of ${formatHold(step.holdMs)} held)`,
      );
    await checkGuard(r, i, 'at stage');
    await checkUnchanged(r, i);
    if (Date.now() >= end) return;
    if (Date.now() - noted >= NOTE_EVERY_MS) {
      noted = Date.now();
      ctx.emit({
        type: 'info',
        message: `flag ${step.flag} at ${step.stages[i]}%, holding ${formatHold(end - Date.now())} more`,
      });
    }
  }
}

async function checkGuard(r: Rollout, i: number, when: 'before stage' | 'at stage'): Promise<void> {
  const guard = r.step.guard;
  if (!guard) return;
  const where = `${when} ${r.step.stages[i]}%`;
  let raw: unknown;
  try {
    const { rows } = await readOnlyQuery(r.ctx, guard.sql, `the guard of ${r.step.id}`);
    raw = rows[0] === undefined ? null : Object.values(rows[0])[0];
  } catch (e) {
    if (isConnectionLost(r.ctx.dialect.errors, e)) throw e;
    throw new RolloutStopped(
      `guard failed to run ${where} (${(e as Error).message.split('\n')[0]}): ${guard.sql}`,
      'guard-failed',
      true,
    );
  }
  const value = raw === null || raw === '' || typeof raw === 'boolean' ? NaN : Number(raw);
  if (Number.isNaN(value))
    throw new RolloutStopped(
      `guard returned ${JSON.stringify(raw)}, not a number, ${where}: ${guard.sql}`,
      'guard-failed',
      true,
    );
  if (value > guard.max)
    throw new RolloutStopped(`guard returned ${value} > ${guard.max} ${where}: ${guard.sql}`, 'guard-failed', true);
}

async function checkUnchanged(r: Rollout, i: number): Promise<void> {
  const now = rolloutOf(await r.flags.get(r.step.flag)).percent;
  if (now === r.step.stages[i]) return;
  throw new RolloutStopped(
    `flag ${r.step.flag} is at ${now ?? 'an unknown'}% in the ${describeLocation(r.location)}, but this ` +
      `rollout set it to ${r.step.stages[i]}%: someone changed it, so the rollout stops and leaves it as it ` +
      `is (run again to start over from ${r.step.stages[0]}%)`,
    'flag-changed',
    false,
  );
}

async function stop(r: Rollout, e: RolloutStopped): Promise<void> {
  const { ctx, step } = r;
  const reason = e.message;
  let outcome = `flag ${step.flag} left as it is`;
  if (e.zero) {
    try {
      await writeFlag(r, 0);
      outcome = `flag ${step.flag} set back to 0% in the ${describeLocation(r.location)}`;
    } catch (failure) {
      outcome =
        `setting flag ${step.flag} back to 0% FAILED (${(failure as Error).message}): set it by hand ` +
        `with \`schemashift flags set ${step.flag} 0\``;
      e.message = `${reason}; ${outcome}`;
    }
  }
  await record(r, { stage: null }, null);
  await ctx.store.event(
    ctx.plan.plan.name,
    step.id,
    e.kind,
    `${reason}; ${outcome}`,
    { flag: step.flag, store: r.location },
    actorName(ctx.actor),
  );
  ctx.emit({ type: 'info', message: outcome });
}
