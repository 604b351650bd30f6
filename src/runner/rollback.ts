/**
 * rollback: undo the plan's completed steps in reverse, with each operation's inverse. Allowed
 * until contract starts; refused up front (nothing executed) when a step that ran cannot be undone.
 */
import type { Connection, Session } from '../db/connection.js';
import { UsageError } from '../errors.js';
import type { CompiledPlan } from '../plan/compile.js';
import { isReversible } from '../plan/compile.js';
import { prepareRunnerSession } from './acquire.js';
import { actorName, type RunContext } from './context.js';
import type { RunnerListener } from './events.js';
import { currentActor } from './run-plan.js';
import { passGate, runStep, type GateAnswerer } from './run-step.js';

export interface RollbackOptions {
  answers: GateAnswerer;
  emit: RunnerListener;
  signal: AbortSignal;
  command: (verb: string, extra?: string) => string;
}

export type RollbackOutcome =
  | { kind: 'rolled-back'; undone: string[] }
  | { kind: 'nothing' }
  | { kind: 'gate'; message: string; next: string }
  | { kind: 'refused'; reason: string };

export async function rollbackPlan(conn: Connection, compiled: CompiledPlan, opts: RollbackOptions): Promise<RollbackOutcome> {
  return conn.session((session) => rollbackInSession(conn, session, compiled, opts));
}

async function rollbackInSession(conn: Connection, session: Session, compiled: CompiledPlan, opts: RollbackOptions): Promise<RollbackOutcome> {
  const plan = compiled.plan;
  const { store, monitor, sessionPid } = await prepareRunnerSession(conn, session, plan.name, opts.emit);
  if (!(await store.exists()) || !(await store.getRun(plan.name))) return { kind: 'nothing' };
  const run = (await store.getRun(plan.name))!;
  if (run.contract_started) {
    throw new UsageError(`plan ${plan.name} cannot be rolled back: contract has started (it removes what a rollback would need)`, 'finish it with `run`, then write a new plan to change course');
  }
  const rows = new Map((await store.getSteps(plan.name)).map((r) => [r.step_id, r]));
  const touched = compiled.entries.filter((e) => e.steps.some((s) => ['done', 'running', 'failed', 'interrupted'].includes(rows.get(s.id)?.status ?? 'pending')));
  if (touched.length === 0) return { kind: 'nothing' };
  const blocking = touched.filter((e) => !isReversible(e.inverse));
  if (blocking.length > 0) {
    const reasons = blocking.map((e) => `${e.entry.id} (line ${e.entry.at.line}): ${'irreversible' in e.inverse ? e.inverse.irreversible : ''}`);
    return { kind: 'refused', reason: `cannot roll back plan ${plan.name}; irreversible step(s) already ran:\n  ${reasons.join('\n  ')}` };
  }
  const actor = currentActor();
  const ctx: RunContext = { conn, session, sessionPid, monitor, store, plan: compiled, actor, emit: opts.emit, signal: opts.signal };
  const message = `Roll back ${touched.length} step(s) of ${plan.name}? New columns, indexes and constraints it added are removed.`;
  if (!(await passGate(ctx, 'rollback', message, opts.answers))) return { kind: 'gate', message, next: opts.command('rollback', '--yes') };
  await store.setRun(plan.name, { status: 'rolling_back' });
  const undone: string[] = [];
  for (const compiledEntry of [...touched].reverse()) {
    if (!isReversible(compiledEntry.inverse)) continue;
    opts.emit({ type: 'phase-start', phase: compiledEntry.entry.phase });
    for (const step of compiledEntry.inverse.steps) {
      opts.emit({ type: 'step-start', phase: step.phase, step, attempt: 1 });
      const started = Date.now();
      await runStep(ctx, step, { yes: true });
      opts.emit({ type: 'step-done', phase: step.phase, step, ms: Date.now() - started });
    }
    for (const step of compiledEntry.steps) await store.setStep(plan.name, step.id, { status: 'undone', checkpoint: null, finished_at: new Date() });
    await store.event(plan.name, compiledEntry.entry.id, 'undone', `rolled back ${compiledEntry.entry.id}`, undefined, actorName(actor));
    undone.push(compiledEntry.entry.id);
  }
  await store.setRun(plan.name, { status: 'rolled_back', phase: null, finished_at: new Date() });
  return { kind: 'rolled-back', undone };
}
