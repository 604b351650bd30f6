/**
 * A rehearsal: the whole plan through the real runner on a throwaway copy of the data, each step's
 * effect checked, then its rollback rehearsed on fresh copies — after expand, and after migrate —
 * with the schema (and every table's rows) compared to the original.
 */
import { UsageError } from '../errors.js';
import { PHASES, type Phase } from '../operations/types.js';
import { isReversible, type CompiledPlan } from '../plan/compile.js';
import type { RunnerListener } from '../runner/events.js';
import { rollbackPlan } from '../runner/rollback.js';
import { OwnershipError } from '../runner/ownership.js';
import { runPlan, type RunOutcome } from '../runner/run-plan.js';
import type { Sandbox, Scratch } from './sandbox.js';
import { diffSnapshots, takeSnapshot, type Snapshot } from './snapshot.js';
import { StepVerifier, type StepResult } from './step-verifier.js';

export interface Seed {
  /** For the report: where the data comes from. */
  describe: string;
  sql: string;
}

export interface RehearsalOptions {
  compiled: CompiledPlan;
  seed: Seed;
  sandbox: Sandbox;
  /** The runner's events (a plain line renderer), for every run of the rehearsal. */
  emit: RunnerListener;
  /** A line about what the rehearsal does next. */
  note: (line: string) => void;
  signal: AbortSignal;
}

export interface RollbackRehearsal {
  after: Phase | 'failure';
  result: 'ok' | 'failed' | 'skipped';
  detail: string;
  undone: string[];
  differences: string[];
}

export interface Rehearsal {
  ok: boolean;
  interrupted: boolean;
  steps: StepResult[];
  /** The first thing that went wrong: a step, or a rollback rehearsal. */
  failure: { step: string; error: string } | null;
  rollbacks: RollbackRehearsal[];
  ms: number;
}

const commandFor = (compiled: CompiledPlan) => (verb: string, extra?: string) =>
  `schemashift ${verb} ${compiled.plan.file}${extra ? ` ${extra}` : ''}`;

/**
 * The runner refuses a step whose object was there before the plan (or a drop of nothing) with an
 * error meant for `run` (exit 2); a rehearsal reports it as that step's failure.
 */
function refusedStep(e: unknown): RunOutcome {
  if (e instanceof OwnershipError)
    return { kind: 'failed', stepId: e.stepId, error: `${e.message}${e.hint ? ` (${e.hint})` : ''}` };
  throw e;
}

async function openSeeded(opts: RehearsalOptions, label: string): Promise<Scratch> {
  const scratch = await opts.sandbox.open(label);
  try {
    await scratch.conn.exec(opts.seed.sql);
    return scratch;
  } catch (e) {
    await scratch.drop();
    throw new UsageError(
      `the seed (${opts.seed.describe}) failed on ${scratch.name}: ${(e as Error).message}`,
      'fix the seed SQL; it runs on an empty database, as one script',
    );
  }
}

/** Roll back whatever ran on `scratch` and compare with the snapshot taken before it ran. */
async function rollBackAndCompare(
  opts: RehearsalOptions,
  scratch: Scratch,
  before: Snapshot,
  after: RollbackRehearsal['after'],
): Promise<RollbackRehearsal> {
  let outcome: Awaited<ReturnType<typeof rollbackPlan>>;
  try {
    outcome = await rollbackPlan(scratch.conn, opts.compiled, {
      answers: { yes: true },
      emit: opts.emit,
      signal: opts.signal,
      command: commandFor(opts.compiled),
    });
  } catch (e) {
    return { after, result: 'failed', detail: `rollback failed: ${(e as Error).message}`, undone: [], differences: [] };
  }
  if (outcome.kind === 'refused')
    return { after, result: 'skipped', detail: outcome.reason.replace(/\n\s*/g, '; '), undone: [], differences: [] };
  const undone = outcome.kind === 'rolled-back' ? outcome.undone : [];
  const differences = diffSnapshots(before, await takeSnapshot(scratch.conn, opts.compiled.dialect));
  const kept =
    outcome.kind === 'rolled-back' && outcome.kept.length > 0
      ? `, ${outcome.kept.length} adopted object(s) left in place`
      : '';
  const what = `${undone.length} step(s) undone${kept}`;
  if (differences.length > 0)
    return {
      after,
      result: 'failed',
      detail: `${what}, but the database differs from before (${differences.length} difference(s))`,
      undone,
      differences,
    };
  return { after, result: 'ok', detail: `${what}; schema and rows equal the original`, undone, differences };
}

/** Entries that would have run by the end of `phase` and cannot be undone. */
function irreversibleUpTo(compiled: CompiledPlan, phase: Phase): string[] {
  const upTo = PHASES.slice(0, PHASES.indexOf(phase) + 1) as readonly Phase[];
  return compiled.entries
    .filter((e) => !isReversible(e.inverse) && e.steps.some((s) => upTo.includes(s.phase)))
    .map((e) => e.entry.id);
}

async function rehearseRollback(opts: RehearsalOptions, point: Phase): Promise<RollbackRehearsal | undefined> {
  const { compiled } = opts;
  if (!compiled.phases.find((p) => p.phase === point)?.steps.length)
    return { after: point, result: 'skipped', detail: `the plan has no ${point} steps`, undone: [], differences: [] };
  const blocking = irreversibleUpTo(compiled, point);
  if (blocking.length > 0)
    return {
      after: point,
      result: 'skipped',
      detail: `irreversible step(s) would have run by then: ${blocking.join(', ')}`,
      undone: [],
      differences: [],
    };
  const scratch = await openSeeded(opts, point);
  try {
    opts.note(`rollback rehearsal after ${point}, on a fresh copy (${scratch.name})`);
    const before = await takeSnapshot(scratch.conn, opts.compiled.dialect);
    for (const phase of PHASES.slice(0, PHASES.indexOf(point) + 1)) {
      if (!compiled.phases.find((p) => p.phase === phase)?.steps.length) continue;
      const outcome = await runPlan(scratch.conn, compiled, {
        mode: 'advance',
        phase,
        acceptDrift: false,
        answers: { yes: true },
        emit: opts.emit,
        signal: opts.signal,
        command: commandFor(compiled),
      }).catch(refusedStep);
      if (outcome.kind === 'failed')
        return {
          after: point,
          result: 'failed',
          detail: `running up to ${point} failed at ${outcome.stepId}: ${outcome.error}`,
          undone: [],
          differences: [],
        };
      if (outcome.kind === 'interrupted') return undefined;
    }
    return await rollBackAndCompare(opts, scratch, before, point);
  } finally {
    await scratch.drop();
  }
}

function firstFailure(outcome: RunOutcome, steps: StepResult[], rollbacks: RollbackRehearsal[]): Rehearsal['failure'] {
  if (outcome.kind === 'failed') return { step: outcome.stepId, error: outcome.error };
  if (outcome.kind === 'gate')
    return { step: 'gate', error: `the run stopped at a gate although the rehearsal answers yes: ${outcome.message}` };
  const step = steps.find((s) => s.result === 'failed');
  if (step) return { step: step.step, error: step.error ?? step.detail };
  const rollback = rollbacks.find((r) => r.result === 'failed');
  if (rollback)
    return { step: `rollback after ${rollback.after}`, error: [rollback.detail, ...rollback.differences].join('\n') };
  return null;
}

export async function rehearse(opts: RehearsalOptions): Promise<Rehearsal> {
  const started = Date.now();
  const { compiled } = opts;
  const scratch = await openSeeded(opts, 'run');
  const verifier = new StepVerifier(compiled);
  const rollbacks: RollbackRehearsal[] = [];
  let outcome: RunOutcome;
  try {
    opts.note(`running every phase of ${compiled.plan.name} on ${scratch.name}`);
    const original = await takeSnapshot(scratch.conn, opts.compiled.dialect);
    const emit: RunnerListener = (event) => (verifier.listener(event), opts.emit(event));
    outcome = await runPlan(verifier.wrap(scratch.conn), compiled, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit,
      signal: opts.signal,
      command: commandFor(compiled),
    }).catch(refusedStep);
    await verifier.flush(scratch.conn);
    if (outcome.kind === 'failed') {
      opts.note(`rolling back the failed run on ${scratch.name}`);
      rollbacks.push(await rollBackAndCompare(opts, scratch, original, 'failure'));
    }
  } finally {
    await scratch.drop();
  }
  if (outcome.kind === 'done' && verifier.steps().every((s) => s.result !== 'failed')) {
    for (const point of ['expand', 'migrate'] as const) {
      if (opts.signal.aborted) break;
      const rehearsed = await rehearseRollback(opts, point);
      if (rehearsed) rollbacks.push(rehearsed);
    }
  }
  const steps = verifier.steps();
  const interrupted = outcome.kind === 'interrupted' || opts.signal.aborted;
  const failure = firstFailure(
    outcome,
    steps,
    rollbacks.filter((r) => r.after !== 'failure'),
  );
  return {
    ok: !interrupted && failure === null && outcome.kind === 'done',
    interrupted,
    steps,
    failure,
    rollbacks,
    ms: Date.now() - started,
  };
}
