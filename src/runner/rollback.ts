/**
 * rollback: undo the plan's started steps in reverse, with each operation's inverse. Allowed until
 * contract starts; refused up front (nothing executed) when a step that ran cannot be undone.
 * Only what this plan made is undone: an undo step whose forward step never ran, or adopted an
 * object that was already there, is skipped. Resumable at every instant: the run is marked
 * `rolling_back` before the first undo, every undo step is idempotent (IF EXISTS, catalog probe),
 * an entry's steps are marked undone after its undo steps, and `rolled_back` comes last; a
 * rollback that finds the run `rolling_back` continues it.
 */
import type { Connection, Session } from '../db/connection.js';
import { UsageError } from '../errors.js';
import type { Step } from '../operations/types.js';
import type { CompiledEntry, CompiledPlan } from '../plan/compile.js';
import { isReversible } from '../plan/compile.js';
import type { StateStore, StepRow } from '../state/store.js';
import { prepareRunnerSession } from './acquire.js';
import { refuseDialectMismatch } from './dialect-match.js';
import { refuseEditedUndo } from './edited-undo.js';
import { actorName, runContextOf, type RunContext } from './context.js';
import type { RunnerListener } from './events.js';
import { mayHaveRun, startedBefore } from './ownership.js';
import { markRollingBack, refuseRollbackWithDependents } from './plan-order.js';
import { currentActor } from './run-plan.js';
import { passGate, runStep, type GateAnswerer } from './run-step.js';

export interface RollbackOptions {
  answers: GateAnswerer;
  emit: RunnerListener;
  signal: AbortSignal;
  command: (verb: string, extra?: string) => string;
  /** Where undo steps read values at run time (green's URL); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type RollbackOutcome =
  | { kind: 'rolled-back'; undone: string[]; kept: string[] }
  | { kind: 'nothing' }
  | { kind: 'gate'; message: string; next: string }
  | { kind: 'refused'; reason: string };

/** What undoing one entry takes: the undo steps to run, and the adopted steps whose objects stay. */
interface EntryUndo {
  entry: CompiledEntry;
  /** Forward steps that ran (or began to): marked undone afterwards. */
  started: Step[];
  run: Step[];
  kept: Step[];
}

export async function rollbackPlan(
  conn: Connection,
  compiled: CompiledPlan,
  opts: RollbackOptions,
): Promise<RollbackOutcome> {
  refuseDialectMismatch(compiled.plan, conn);
  return conn.session((session) => rollbackInSession(conn, session, compiled, opts));
}

/**
 * Undo steps that name the forward step they undo run only when its statement may have taken effect
 * (mayHaveRun: a transactional step that failed or was killed never did) and it did not adopt; the
 * others when some forward step of the entry may have taken effect.
 */
export function planUndo(entry: CompiledEntry, rows: Map<string, StepRow>): EntryUndo {
  const started = entry.steps.filter((s) => startedBefore(rows.get(s.id)) && rows.get(s.id)?.status !== 'undone');
  const happened = (step: Step | undefined, id: string) => mayHaveRun(step, rows.get(id));
  const anyHappened = entry.steps.some((s) => happened(s, s.id));
  const inverse = isReversible(entry.inverse) ? entry.inverse.steps : [];
  const run: Step[] = [];
  const kept: Step[] = [];
  for (const step of inverse) {
    const undoes = step.kind === 'sql' ? step.undoes : undefined;
    const forwardStep = entry.steps.find((s) => s.id === undoes);
    if (undoes === undefined) {
      if (anyHappened) run.push(step);
    } else if (rows.get(undoes)?.adopted) kept.push(forwardStep ?? step);
    else if (happened(forwardStep, undoes)) run.push(step);
  }
  return { entry, started, run, kept };
}

function describeUndo(undos: EntryUndo[]): string {
  const lines = undos.flatMap((u) => [
    ...u.run.map((s) => `  - ${s.summary}`),
    ...u.kept.map(
      (s) => `  - keep ${s.summary.replace(/^(add|create|install) /, '')} (adopted: it was there before this plan)`,
    ),
  ]);
  return lines.join('\n');
}

async function rollbackInSession(
  conn: Connection,
  session: Session,
  compiled: CompiledPlan,
  opts: RollbackOptions,
): Promise<RollbackOutcome> {
  const plan = compiled.plan;
  const { store, monitor, sessionPid } = await prepareRunnerSession(
    compiled.dialect,
    conn,
    session,
    plan.name,
    opts.emit,
  );
  if (!(await store.exists())) return { kind: 'nothing' };
  await store.ensureSchema();
  const run = await store.getRun(plan.name);
  if (!run || run.status === 'rolled_back') return { kind: 'nothing' };
  const stepRows = await store.getSteps(plan.name);
  if (run.plan_hash !== plan.hash) await refuseEditedUndo(store, compiled, stepRows);
  const rows = new Map(stepRows.map((r) => [r.step_id, r]));
  // Confirmed but refused before its first step ran (e.g. a drop of nothing): contract has not started.
  if (run.contract_started && [...rows.values()].some((r) => r.phase === 'contract' && startedBefore(r))) {
    throw new UsageError(
      `plan ${plan.name} cannot be rolled back: contract has started (it removes what a rollback would need)`,
      'finish it with `run`, then write a new plan to change course',
    );
  }
  const undos = compiled.entries.map((e) => planUndo(e, rows)).filter((u) => u.started.length > 0);
  const resuming = run.status === 'rolling_back';
  if (undos.length === 0 && !resuming) return { kind: 'nothing' };
  const refusal = irreversibleRefusal(plan.name, undos);
  if (refusal) return refusal;
  await refuseRollbackWithDependents(store, monitor ?? session, compiled.dialect, plan.name);
  const actor = currentActor();
  const ctx = runContextOf(conn, session, { store, monitor, sessionPid }, compiled, actor, {
    emit: opts.emit,
    signal: opts.signal,
    command: opts.command,
    ...(opts.env ? { env: opts.env } : {}),
  });
  const count = undos.reduce((n, u) => n + u.run.length, 0);
  const head = resuming
    ? `Continue the interrupted rollback of ${plan.name}: roll back ${count} more step(s)?`
    : `Roll back ${count} step(s) of ${plan.name}?`;
  const message = undos.length > 0 ? `${head}\n${describeUndo(undos)}` : head;
  if (!(await passGate(ctx, 'rollback', message, opts.answers)))
    return { kind: 'gate', message, next: opts.command('rollback', '--yes') };
  return undoAll(ctx, store, undos, opts);
}

/** Undo every entry, last first, and record the rollback done. */
async function undoAll(
  ctx: RunContext,
  store: StateStore,
  undos: EntryUndo[],
  opts: RollbackOptions,
): Promise<RollbackOutcome> {
  const planName = ctx.plan.plan.name;
  await markRollingBack(ctx.dialect, ctx.session, ctx.monitor ?? ctx.session, store, planName, opts.signal);
  const undone: string[] = [];
  const kept: string[] = [];
  for (const undo of [...undos].reverse()) {
    await undoEntry(ctx, store, undo, opts);
    undone.push(...undo.run.map((s) => s.id));
    kept.push(...undo.kept.map((s) => s.id));
  }
  await store.setRun(planName, { status: 'rolled_back', phase: null, finished_at: new Date() });
  const keptText = kept.length ? `, ${kept.length} adopted object(s) left in place` : '';
  const message = `rollback done: ${undone.length} undo step(s) ran${keptText}`;
  await store.event(planName, null, 'rolled-back', message, { undone, kept }, actorName(ctx.actor));
  return { kind: 'rolled-back', undone, kept };
}

/** Refused, with nothing undone, when an irreversible step already ran. */
function irreversibleRefusal(planName: string, undos: EntryUndo[]): RollbackOutcome | undefined {
  const blocking = undos.filter((u) => !isReversible(u.entry.inverse));
  if (blocking.length === 0) return undefined;
  const reasons = blocking.map(
    (u) =>
      `${u.entry.entry.id} (line ${u.entry.entry.at.line}): ${
        'irreversible' in u.entry.inverse ? u.entry.inverse.irreversible : ''
      }`,
  );
  return {
    kind: 'refused',
    reason:
      `cannot roll back plan ${planName}; irreversible step(s) already ran (nothing was ` +
      `undone):\n  ${reasons.join('\n  ')}`,
  };
}

async function undoEntry(ctx: RunContext, store: StateStore, undo: EntryUndo, opts: RollbackOptions): Promise<void> {
  const planName = ctx.plan.plan.name;
  opts.emit({ type: 'phase-start', phase: undo.entry.entry.phase });
  for (const step of undo.kept) {
    const message = `${step.summary}: left in place (adopted: it was there before this plan)`;
    opts.emit({ type: 'info', message });
    await store.event(planName, step.id, 'kept', message, undefined, actorName(ctx.actor));
  }
  for (const step of undo.run) {
    opts.emit({ type: 'step-start', phase: step.phase, step, attempt: 1 });
    const started = Date.now();
    await runStep(ctx, step, { yes: true });
    opts.emit({ type: 'step-done', phase: step.phase, step, ms: Date.now() - started });
  }
  // One transaction: an entry is either still to undo (its undo steps run again, harmlessly) or undone.
  const tx = ctx.dialect.session.transaction;
  await ctx.session.exec(tx.begin);
  try {
    for (const step of undo.started)
      await store.setStep(
        planName,
        step.id,
        { status: 'undone', checkpoint: null, finished_at: new Date() },
        ctx.session,
      );
    await store.event(
      planName,
      undo.entry.entry.id,
      'undone',
      `rolled back ${undo.entry.entry.id}`,
      { undone: undo.run.map((s) => s.id), kept: undo.kept.map((s) => s.id) },
      actorName(ctx.actor),
      ctx.session,
    );
    await ctx.session.exec(tx.commit);
  } catch (e) {
    await ctx.session.exec(tx.rollback).catch(() => undefined);
    throw e;
  }
}
