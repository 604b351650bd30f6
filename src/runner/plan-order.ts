/**
 * Several plans in flight on one database: a plan's `after:` list is checked before its run starts,
 * and a plan that another started plan waits for cannot be rolled back. Both checks, and what they
 * record, happen under one order lock (the runner lock keyed on a name no plan can have), so a run
 * of B and a rollback of A that it waits for cannot both pass at the same moment.
 */
import type { Queryable, Session } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import { LockedError, UserError } from '../errors.js';
import type { PlanDependency } from '../plan/after.js';
import type { CompiledEntry } from '../plan/compile.js';
import type { Plan } from '../plan/types.js';
import type { RunRow, StateStore, StepRow } from '../state/store.js';
import { recordPlan, type RecordedPlan } from './drift.js';
import { startedBefore } from './ownership.js';
import { afterItemText, refuseAfterCycle } from './plan-cycle.js';
import {
  describeHolder,
  findLockHolder,
  isOrphan,
  releaseRunnerLock,
  terminateOrphan,
  tryRunnerLock,
} from './runner-lock.js';
import { sleep } from './sleep.js';
import { dependencyMet, standingOf } from './plan-standing.js';

/** Plan names have no spaces: no plan's own runner lock is this one. */
export const ORDER_LOCK_NAME = 'schemashift plan order';
const ORDER_LOCK_WAIT_MS = 30_000;

/** A plan waits for another (its `after:`) that has not finished what it needs (exit 3, like a lock: nothing ran). */
export class WaitingForPlanError extends UserError {
  readonly exitCode = 3;
  override readonly errorCode = 'waiting-for-plan';
  constructor(
    message: string,
    private readonly hintWith: (scope: string) => string,
  ) {
    super(message, hintWith(''));
  }

  /** The same hint with the options that pick the database (a fleet's `--targets T --target NAME`) on each command. */
  scopedTo(scope: string): WaitingForPlanError {
    return new WaitingForPlanError(this.message, (more) => this.hintWith(`${scope}${more}`));
  }
}

/** Ctrl-C while waiting for the order lock: nothing was run (exit 130). */
export class OrderWaitInterruptedError extends UserError {
  readonly exitCode = 130;
  override readonly errorCode = 'interrupted';
}

/** Rolling back a plan that a started plan waits for (exit 2: nothing was undone). */
export class DependentStartedError extends UserError {
  readonly exitCode = 2;
  override readonly errorCode = 'dependent-started';
}

/** What the run-start event records: the plan as written, and its `after:` (what `status` and rollback read). */
export function recordPlanWithOrder(plan: Plan, compiled?: CompiledEntry[]): { recorded: RecordedPlanWithOrder } {
  const { recorded } = recordPlan(plan, compiled);
  return { recorded: plan.after ? { ...recorded, after: plan.after } : recorded };
}

export interface RecordedPlanWithOrder extends RecordedPlan {
  after?: PlanDependency[];
}

/** The `after:` the plan's latest run recorded (none for a run by an older schemashift). */
export async function recordedAfter(store: StateStore, planName: string): Promise<PlanDependency[]> {
  const recorded = (await store.recordedPlan(planName)) as RecordedPlanWithOrder | null | undefined;
  return Array.isArray(recorded?.after) ? recorded.after : [];
}

/**
 * Take the order lock on the runner's session, waiting a little for a check of another runner to end. A holder
 * that is a runner gone from this host (its backend still there) is terminated and the lock taken over, as for
 * a plan's own runner lock; Ctrl-C stops the wait (exit 130, nothing run).
 */
async function takeOrderLock(dialect: Dialect, session: Session, signal: AbortSignal): Promise<() => Promise<void>> {
  const lock = dialect.runnerLock;
  const deadline = Date.now() + ORDER_LOCK_WAIT_MS;
  while (!(await tryRunnerLock(lock, session, ORDER_LOCK_NAME))) {
    const holder = await findLockHolder(lock, session, ORDER_LOCK_NAME);
    const held = holder ? ` (held by ${describeHolder(holder)})` : '';
    if (holder && isOrphan(holder)) {
      await terminateOrphan(lock, session, holder);
      continue;
    }
    if (signal.aborted)
      throw new OrderWaitInterruptedError(
        `interrupted (Ctrl-C) while waiting for the lock on the order of plans${held}: nothing was run`,
        'run again once the other runner has recorded its start; `schemashift status` shows every plan in flight',
      );
    if (Date.now() > deadline)
      throw new LockedError(
        `another runner has been checking the order of plans (their \`after:\` lists) for 30s${held}`,
        'run again in a moment; `schemashift status` shows every plan in flight',
      );
    await sleep(50, signal);
  }
  return () => releaseRunnerLock(lock, session, ORDER_LOCK_NAME);
}

/**
 * Before a run records itself: refuse it (nothing written) when its `after:` closes a cycle through the runs
 * recorded, or a plan of its `after:` has not finished the phase it names. Returns what releases the order
 * lock once the run is recorded; a plan without `after:` takes no lock.
 */
export async function enterPlanOrder(
  dialect: Dialect,
  session: Session,
  store: StateStore,
  plan: Plan,
  signal: AbortSignal,
): Promise<() => Promise<void>> {
  if (!plan.after?.length) return () => Promise.resolve();
  const leave = await takeOrderLock(dialect, session, signal);
  try {
    await refuseAfterCycle((name) => recordedAfter(store, name), plan.name, plan.after);
    for (const dep of plan.after) await refuseUnmet(store, plan, dep);
  } catch (e) {
    await leave();
    throw e;
  }
  return leave;
}

async function refuseUnmet(store: StateStore, plan: Plan, dep: PlanDependency): Promise<void> {
  const run = await store.getRun(dep.plan);
  const steps = run ? await store.getSteps(dep.plan) : [];
  if (dependencyMet(run, steps, dep.phase)) return;
  const what = dep.phase === 'complete' ? 'to be done (every phase, contract included)' : `to finish ${dep.phase}`;
  throw new WaitingForPlanError(
    `plan ${plan.name} waits for plan ${dep.plan} ${what} (its \`after:\`): ${standingOf(dep.plan, run, steps)}; ` +
      'nothing was run',
    (scope) => nextFor(dep.plan, run, plan, scope),
  );
}

/**
 * The command that moves the plan waited for on: advance it, finish its rollback, or run it (again). `scope`:
 * the options that pick the database, repeated after each command (a fleet's `--targets T --target NAME`).
 */
function nextFor(name: string, run: RunRow | undefined, waiting: Plan, scope: string): string {
  const command = (verb: string, file: string) => `schemashift ${verb} ${file}${scope ? ` ${scope}` : ''}`;
  const then = scope
    ? `then run ${waiting.name} again (${command('run', waiting.file)})`
    : `then run ${waiting.name} again`;
  if (!run) return `run plan ${name} first (${command('run', '<its plan file>')}), ${then}`;
  if (run.status === 'rolling_back')
    return `${name} is being rolled back: finish that (${command('rollback', run.plan_file)}) and run ${name} again, ${then}`;
  if (run.status === 'rolled_back') return `run plan ${name} again first (${command('run', run.plan_file)}), ${then}`;
  return `move ${name} on first (${command('advance', run.plan_file)}), ${then}`;
}

/** Plans whose latest run waits for `planName` and has started a step, or is running right now. */
async function startedDependents(store: StateStore, lockObserver: Queryable, dialect: Dialect, planName: string) {
  const found: { run: RunRow; dep: PlanDependency; steps: StepRow[] }[] = [];
  for (const run of await store.listRuns()) {
    if (run.plan_name === planName || run.status === 'rolled_back') continue;
    const dep = (await recordedAfter(store, run.plan_name)).find((d) => d.plan === planName);
    if (!dep) continue;
    const steps = await store.getSteps(run.plan_name);
    const live = await findLockHolder(dialect.runnerLock, lockObserver, run.plan_name);
    if (steps.some(startedBefore) || live) found.push({ run, dep, steps });
  }
  return found;
}

/** Refuse a rollback of `planName` while a plan that waits for it has started (checked again under the lock). */
export async function refuseRollbackWithDependents(
  store: StateStore,
  lockObserver: Queryable,
  dialect: Dialect,
  planName: string,
): Promise<void> {
  const dependents = await startedDependents(store, lockObserver, dialect, planName);
  const first = dependents[0];
  if (!first) return;
  const names = dependents.map((d) => d.run.plan_name).join(', ');
  const waiting = dependents
    .map((d) => `plan ${d.run.plan_name} waits for it (\`after: [${afterItemText(d.dep)}]\`)`)
    .join(', ');
  throw new DependentStartedError(
    `cannot roll back plan ${planName}: ${waiting} and has started ` +
      `(${standingOf(first.run.plan_name, first.run, first.steps)}); nothing was undone`,
    `roll back ${names} first (schemashift rollback ${first.run.plan_file}), then roll back ${planName}`,
  );
}

/** Mark the run rolling back, under the order lock, unless a plan that waits for it has started meanwhile. */
export async function markRollingBack(
  dialect: Dialect,
  session: Session,
  lockObserver: Queryable,
  store: StateStore,
  planName: string,
  signal: AbortSignal,
): Promise<void> {
  const leave = await takeOrderLock(dialect, session, signal);
  try {
    await refuseRollbackWithDependents(store, lockObserver, dialect, planName);
    await store.setRun(planName, { status: 'rolling_back' });
  } finally {
    await leave();
  }
}
