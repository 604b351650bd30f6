/**
 * run / advance: execute pending steps phase by phase, resuming from the state in the target
 * database, until a gate that needs a person, the end of the phase (advance) or the plan (run).
 */
import { hostname, userInfo } from 'node:os';
import type { Connection, Session } from '../db/connection.js';
import { DatabaseError, DriftError, LockedError, UsageError } from '../errors.js';
import type { Phase, Step } from '../operations/types.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { Actor, RunRow, StateStore, StepRow } from '../state/store.js';
import { prepareRunnerSession } from './acquire.js';
import { isConnectionLost } from './connection-lost.js';
import { actorName, runContextOf, type RunContext } from './context.js';
import type { Replica } from './replicas.js';
import { contractConfirmation } from './contract-drops.js';
import { refuseDialectMismatch } from './dialect-match.js';
import { refuseDriftThatChangesUndo } from './edited-undo.js';
import { describeDrift, planDrift, readRecordedPlan } from './drift.js';
import { enterPlanOrder, recordPlanWithOrder } from './plan-order.js';
import type { RunnerListener } from './events.js';
import { InterruptedError } from './interrupted.js';
import { adoptedReason, OwnershipError, startedBefore } from './ownership.js';
import { passGate, runStep, type GateAnswerer } from './run-step.js';
import { refuseUncarriedAttachments } from './carry-check.js';
import { backoffMs, sleep } from './sleep.js';
import { stepDefinitions } from './step-definitions.js';
import { requireRuntimeValues } from './runtime-values.js';

export interface RunOptions {
  mode: 'run' | 'advance';
  /** Only this phase (earlier phases must be finished). */
  phase?: Phase;
  acceptDrift: boolean;
  answers: GateAnswerer;
  emit: RunnerListener;
  signal: AbortSignal;
  /** How to continue, for messages: e.g. `schemashift run plans/x.yaml`. */
  command: (verb: string, extra?: string) => string;
  /** Read replicas whose lag the backfill throttle watches (opened and closed by the caller). */
  replicas?: Replica[];
  /** How long a contract step waits for the replicas before it fails (default 5 minutes). */
  replicaWaitMs?: number;
  /** Where steps read values at run time (a foreign server's URL); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type RunOutcome =
  | { kind: 'done' }
  | { kind: 'phase-done'; phase: Phase; next: string | null }
  | { kind: 'gate'; message: string; next: string }
  | { kind: 'failed'; stepId: string; error: string }
  | { kind: 'interrupted'; at: string };

const MAX_RECONNECTS = 5;

export function currentActor(): Actor {
  return { user: userInfo().username, host: hostname(), pid: process.pid };
}

export async function runPlan(conn: Connection, compiled: CompiledPlan, opts: RunOptions): Promise<RunOutcome> {
  refuseDialectMismatch(compiled.plan, conn);
  for (let reconnects = 0; ; reconnects++) {
    try {
      return await conn.session((session) => runInSession(conn, session, compiled, opts));
    } catch (e) {
      if (!isConnectionLost(compiled.dialect.errors, e) || reconnects >= MAX_RECONNECTS || opts.signal.aborted) throw e;
      const delayMs = backoffMs(reconnects + 1, 500, 5000);
      opts.emit({
        type: 'info',
        message:
          `lost the database ` +
          `connection (${(e as Error).message.split('\n')[0]}): reconnecting in ${delayMs}ms and resuming`,
      });
      await sleep(delayMs, opts.signal);
    }
  }
}

async function runInSession(
  conn: Connection,
  session: Session,
  compiled: CompiledPlan,
  opts: RunOptions,
): Promise<RunOutcome> {
  const plan = compiled.plan;
  const { store, monitor, sessionPid } = await prepareRunnerSession(
    compiled.dialect,
    conn,
    session,
    plan.name,
    opts.emit,
  );
  await store.ensureSchema();
  const leavePlanOrder = await enterPlanOrder(compiled.dialect, session, store, plan, opts.signal);
  const actor = currentActor();
  const { existing, rows, startOver } = await startingPoint(store, plan, opts);
  requireRuntimeValues(compiled, rows, opts.env ?? process.env);
  if (existing && existing.plan_hash !== plan.hash)
    await acceptDriftOrRefuse(store, compiled, existing, rows, actor, opts);
  await refuseUncarriedAttachments(session, compiled, rows);
  // Only after every refusal: a refused run leaves the plan's state (a rolled-back run's rows) untouched.
  if (startOver) await store.resetRun(plan.name);
  await store.beginRun({ name: plan.name, file: plan.file, hash: plan.hash }, actor, stepDefinitions(compiled));
  await store.event(
    plan.name,
    null,
    'run-start',
    `${opts.mode} started`,
    { phase: opts.phase ?? null, ...recordPlanWithOrder(plan, compiled.entries) },
    actorName(actor),
  );
  await leavePlanOrder();
  const ctx = runContextOf(conn, session, { store, monitor, sessionPid }, compiled, actor, opts);
  return runPhases(ctx, opts);
}

/** A plan edited since its run started: refused, unless --accept-drift and the edit leaves every undo as it was. */
async function acceptDriftOrRefuse(
  store: StateStore,
  compiled: CompiledPlan,
  existing: RunRow,
  rows: StepRow[],
  actor: Actor,
  opts: RunOptions,
): Promise<void> {
  const plan = compiled.plan;
  const recorded = await readRecordedPlan(store, plan.name);
  const drift = planDrift(plan, rows, recorded);
  if (!opts.acceptDrift) {
    throw new DriftError(
      `plan ${plan.name} changed since its run started (${existing.plan_file}):\n${describeDrift(drift)}`,
      `restore the plan as it was, or run with --accept-drift if the change is intended`,
    );
  }
  refuseDriftThatChangesUndo(compiled, drift, rows, recorded, (verb) => opts.command(verb));
  const message = `plan changed; accepted with --accept-drift:\n${describeDrift(drift)}`;
  await store.event(plan.name, null, 'drift-accepted', message, drift, actorName(actor));
}

/**
 * The run to continue, or none: a rolled-back run, or one where no step ever started, is started
 * over from scratch under the plan as it is now (no drift: nothing recorded depends on the old
 * text): `startOver`, done by the caller once nothing refuses the run. A run being rolled back is not
 * continued forwards.
 */
async function startingPoint(
  store: StateStore,
  plan: CompiledPlan['plan'],
  opts: RunOptions,
): Promise<{ existing: RunRow | undefined; rows: StepRow[]; startOver: boolean }> {
  const existing = await store.getRun(plan.name);
  if (!existing) return { existing: undefined, rows: [], startOver: false };
  if (existing.status === 'rolling_back') {
    throw new UsageError(
      `plan ${plan.name} is being rolled back: an earlier rollback was interrupted`,
      `finish the rollback first: ${opts.command('rollback')}`,
    );
  }
  const rows = await store.getSteps(plan.name);
  if (existing.status !== 'rolled_back' && rows.some(startedBefore)) return { existing, rows, startOver: false };
  return { existing: undefined, rows: [], startOver: true };
}

async function runPhases(ctx: RunContext, opts: RunOptions): Promise<RunOutcome> {
  const plan = ctx.plan.plan;
  const rows = new Map((await ctx.store.getSteps(plan.name)).map((r) => [r.step_id, r]));
  const isDone = (id: string) => rows.get(id)?.status === 'done';
  let last: Phase | undefined;
  for (const phase of ctx.plan.phases) {
    if (phase.steps.every((s) => isDone(s.step.id))) continue;
    if (opts.phase && phase.phase !== opts.phase) {
      const order = ctx.plan.phases.map((p) => p.phase);
      if (order.indexOf(phase.phase) < order.indexOf(opts.phase)) {
        throw new UsageError(
          `--phase ${opts.phase}: phase ${phase.phase} still has pending steps`,
          `finish it first: ${opts.command('advance')}`,
        );
      }
      // Only the requested phase ran: the plan is done when its last phase is, not before.
      await ctx.store.setRun(plan.name, { status: 'at_gate' });
      return { kind: 'phase-done', phase: last ?? opts.phase, next: opts.command(opts.mode, `--phase ${phase.phase}`) };
    }
    if (phase.phase === 'contract') {
      const stop = await enterContract(ctx, opts);
      if (stop) return stop;
    }
    await ctx.store.setRun(plan.name, { phase: phase.phase, status: 'running' });
    ctx.emit({ type: 'phase-start', phase: phase.phase });
    for (const { step } of phase.steps) {
      if (isDone(step.id)) {
        ctx.emit({ type: 'step-skip', phase: phase.phase, step, reason: 'done in an earlier run' });
        continue;
      }
      const outcome = await runOneStep(ctx, opts, phase.phase, step, rows.get(step.id));
      if (outcome) return outcome;
    }
    last = phase.phase;
    ctx.emit({ type: 'phase-done', phase: phase.phase });
    await ctx.store.event(plan.name, null, 'phase-done', `phase ${phase.phase} done`, undefined, actorName(ctx.actor));
    const rest = ctx.plan.phases
      .slice(ctx.plan.phases.indexOf(phase) + 1)
      .find((p) => p.steps.some((s) => !isDone(s.step.id)));
    if (opts.mode === 'advance' && rest) {
      await ctx.store.setRun(plan.name, { status: 'at_gate' });
      return { kind: 'phase-done', phase: phase.phase, next: opts.command('advance') };
    }
  }
  await ctx.store.setRun(plan.name, { status: 'done', finished_at: new Date() });
  await ctx.store.event(plan.name, null, 'run-done', 'every step is done', undefined, actorName(ctx.actor));
  return { kind: 'done' };
}

async function enterContract(ctx: RunContext, opts: RunOptions): Promise<RunOutcome | undefined> {
  const plan = ctx.plan.plan;
  const run = await ctx.store.getRun(plan.name);
  if (run?.contract_started) return undefined;
  await refuseUncarriedAttachments(ctx.session, ctx.plan, await ctx.store.getSteps(plan.name));
  const message = contractConfirmation(ctx.plan);
  if (!(await passGate(ctx, 'contract', message, opts.answers))) {
    await ctx.store.setRun(plan.name, { status: 'at_gate' });
    return { kind: 'gate', message, next: opts.command(opts.mode, '--yes') };
  }
  await ctx.store.setRun(plan.name, { contract_started: true });
  return undefined;
}

async function runOneStep(
  ctx: RunContext,
  opts: RunOptions,
  phase: Phase,
  step: RunContext['plan']['phases'][number]['steps'][number]['step'],
  row: StepRow | undefined,
): Promise<RunOutcome | undefined> {
  const planName = ctx.plan.plan.name;
  if (ctx.signal.aborted) return interrupted(ctx, step.id, `before ${step.id}`);
  await ctx.store.setStep(planName, step.id, { status: 'running', attempt: true, started_at: new Date() });
  ctx.emit({ type: 'step-start', phase, step, attempt: (row?.attempts ?? 0) + 1 });
  const started = Date.now();
  try {
    const result = await runStep(ctx, step, opts.answers, row);
    if (result.kind === 'gate') {
      await ctx.store.setStep(planName, step.id, { status: 'pending' });
      await ctx.store.setRun(planName, { status: 'at_gate' });
      return { kind: 'gate', message: result.message, next: result.next ?? opts.command(opts.mode, '--yes') };
    }
    if (result.kind === 'already')
      ctx.emit({ type: 'step-skip', phase, step, reason: 'already in place (catalog check)' });
    else if (result.kind === 'adopted')
      ctx.emit({
        type: 'step-skip',
        phase,
        step,
        reason: adoptedReason(step),
      });
    else ctx.emit({ type: 'step-done', phase, step, ms: Date.now() - started });
    return undefined;
  } catch (e) {
    if (e instanceof InterruptedError) return interrupted(ctx, step.id, e.at);
    if (isConnectionLost(ctx.dialect.errors, e)) throw e;
    // Another runner owns the plan now: its state is not this run's to write.
    if (e instanceof LockedError) throw e;
    const error = e instanceof Error ? e.message : String(e);
    // Only a database's own code (a SQLSTATE or SQL Server number): a Node error's code (EPIPE) is not one.
    const code = e instanceof DatabaseError ? e.code : undefined;
    if (e instanceof OwnershipError) return refused(ctx, phase, step, row, e);
    await ctx.store.setStep(planName, step.id, { status: 'failed', last_error: error }).catch(() => undefined);
    await ctx.store.setRun(planName, { status: 'failed' }).catch(() => undefined);
    await ctx.store
      .event(
        planName,
        step.id,
        'step-failed',
        error,
        { code: (e as { code?: string }).code ?? null },
        actorName(ctx.actor),
      )
      .catch(() => undefined);
    ctx.emit({ type: 'step-failed', phase, step, error, ...(code === undefined ? {} : { code }) });
    if (e instanceof UsageError) throw e;
    return { kind: 'failed', stepId: step.id, error };
  }
}

/** Refused before anything of the step ran: it stays a first attempt, so the next run checks ownership again. */
async function refused(
  ctx: RunContext,
  phase: Phase,
  step: Step,
  row: StepRow | undefined,
  e: OwnershipError,
): Promise<never> {
  const planName = ctx.plan.plan.name;
  await ctx.store.setStep(planName, step.id, {
    status: row?.status ?? 'pending',
    attempts: row?.attempts ?? 0,
    started_at: row?.started_at ?? null,
    last_error: e.message,
  });
  await ctx.store.setRun(planName, { status: 'failed' });
  await ctx.store.event(planName, step.id, 'refused', e.message, { hint: e.hint ?? null }, actorName(ctx.actor));
  ctx.emit({ type: 'step-failed', phase, step, error: e.message });
  throw e;
}

async function interrupted(ctx: RunContext, stepId: string, at: string): Promise<RunOutcome> {
  const planName = ctx.plan.plan.name;
  await ctx.store.setStep(planName, stepId, { status: 'interrupted' });
  await ctx.store.setRun(planName, { status: 'interrupted' });
  await ctx.store.event(planName, stepId, 'interrupted', `stopped on request ${at}`, undefined, actorName(ctx.actor));
  return { kind: 'interrupted', at };
}
