import { parseDatabaseUrl } from '../db/index.js';
import type { Phase } from '../operations/types.js';
import { UsageError } from '../errors.js';
import { withFlagLocation } from '../flags/store.js';
import { compilePlan, type CompiledPlan } from '../plan/compile.js';
import { loadPlanFile } from '../plan/load.js';
import { refuseDialectMismatch, type DialectTarget } from '../runner/dialect-match.js';
import { rollbackPlan, type RollbackOutcome } from '../runner/rollback.js';
import { runPlan, type RunOutcome } from '../runner/run-plan.js';
import { runnerApplicationName } from '../runner/runner-lock.js';
import { DEFAULT_PGLITE_URL, openDatabase } from './database.js';
import { openReplicas, parseReplicaUrls } from './replicas.js';
import { interruptSignal } from './interrupt.js';
import { paint, type Io } from './io.js';
import { createRenderer } from './renderer.js';
import { printJsonError, type JsonError } from './errors.js';
import { commandFor, type CommandFor } from './command-hint.js';
import { observeRun, stepOperations, type RunIdentity } from '../telemetry/hook.js';

export { commandFor } from './command-hint.js';

export interface RunCommandOptions {
  phase?: Phase;
  /** Flags in this JSON file instead of the plan's settings.flags store. */
  flagsFile?: string;
  yes?: boolean;
  database?: string;
  acceptDrift?: boolean;
  json?: boolean;
  /** `--replica URL`, repeatable: standbys whose lag throttles backfills. */
  replica?: string[];
  /** A fleet's Ctrl-C: also stops this run, even one that began connecting before it came. */
  abort?: AbortSignal;
  /** A fleet's plan, loaded and checked once before any target connects. */
  compiled?: CompiledPlan;
  /** A fleet's options that pick this target (`--targets T.yaml --target NAME`): every hint repeats them. */
  scope?: string;
  /** A fleet target's name, for telemetry (`schemashift.target`). */
  targetName?: string;
}

/** This command's own Ctrl-C, or its fleet's. */
function stopSignal(own: AbortSignal, fleet: AbortSignal | undefined): AbortSignal {
  return fleet === undefined ? own : AbortSignal.any([own, fleet]);
}

/** Ctrl-C at a prompt: the answer counted as "no" (recorded as declined), and the command exits 130. */
export const PROMPT_INTERRUPTED = 'interrupted at the prompt (Ctrl-C): nothing more was run';

/** With --json, a run that did not succeed ends with an error object, like every other failure. */
function outcomeError(outcome: RunOutcome, command: CommandFor): JsonError | undefined {
  if (outcome.kind === 'failed')
    return {
      code: 'step-failed',
      message: `step ${outcome.stepId} failed: ${outcome.error}`,
      help: `fix the cause, then run again: \`${command('run')}\` resumes at this step`,
      exit_code: exitCodeOf(outcome),
    };
  if (outcome.kind === 'interrupted')
    return {
      code: 'interrupted',
      message: `interrupted ${outcome.at}`,
      help: `\`${command('run')}\` resumes exactly there`,
      exit_code: exitCodeOf(outcome),
    };
  return undefined;
}

function interruptedAtPrompt(io: Io, json: boolean, resume: string): number {
  if (json)
    printJsonError(io, {
      code: 'interrupted',
      message: PROMPT_INTERRUPTED,
      help: `\`${resume}\` asks again`,
      exit_code: 130,
    });
  else io.err(`schemashift: ${PROMPT_INTERRUPTED}\n  \`${resume}\` asks again\n`);
  return 130;
}

export function exitCodeOf(outcome: RunOutcome): number {
  switch (outcome.kind) {
    case 'failed':
      return 1;
    case 'interrupted':
      return 130;
    default:
      return 0;
  }
}

function describeOutcome(outcome: RunOutcome, file: string, command: CommandFor): string {
  switch (outcome.kind) {
    case 'done':
      return `plan done: every step of ${file} has run`;
    case 'phase-done':
      return `phase ${outcome.phase} done${outcome.next ? `\n  next: ${outcome.next}` : ''}`;
    case 'gate':
      return `stopped at a gate: ${outcome.message}\n  to continue: ${outcome.next}`;
    case 'failed':
      return (
        `step ${outcome.stepId} failed: ${outcome.error}\n  fix the cause, then run again: ` +
        `\`${command('run')}\` resumes at this step`
      );
    case 'interrupted':
      return `interrupted ${outcome.at}; \`${command('run')}\` resumes exactly there`;
  }
}

/**
 * The database a URL points at, read without connecting; undefined when the URL is unusable (reported on connecting).
 */
function targetOf(url: string, cwd: string): DialectTarget | undefined {
  try {
    const target = parseDatabaseUrl(url, cwd);
    return { dialect: target.scheme === 'mssql' ? 'mssql' : 'postgres', displayUrl: target.displayUrl };
  } catch {
    return undefined;
  }
}

/**
 * Load and compile the plan, refusing first (exit 2, before compiling or connecting) a plan written
 * for another database than any of `urls` (`--database` / DATABASE_URL, or every target of a fleet).
 */
export async function compileForTargets(
  file: string,
  urls: (string | undefined)[],
  io: Io,
  flagsFile?: string,
): Promise<CompiledPlan> {
  const plan = withFlagLocation(await loadPlanFile(file, io.cwd), io.cwd, flagsFile);
  for (const url of urls) {
    const target = targetOf(url ?? io.env.DATABASE_URL ?? DEFAULT_PGLITE_URL, io.cwd);
    if (target) refuseDialectMismatch(plan, target);
  }
  return compilePlan(plan);
}

/** A verify with `on: replica` needs a standby to read on: refused before connecting (`validate` cannot know). */
function refuseReplicaReadsWithoutReplica(compiled: CompiledPlan, replicas: string[]): void {
  if (replicas.length > 0) return;
  const onReplica = compiled.phases
    .flatMap((p) => p.steps.map((s) => s.step))
    .filter((s) => s.kind === 'verify' && s.on === 'replica');
  if (onReplica.length === 0) return;
  throw new UsageError(
    `${onReplica.map((s) => s.id).join(', ')} ${onReplica.length === 1 ? 'reads' : 'read'} on a replica (on: replica), ` +
      'but no --replica was given: nothing was run',
    `pass the standby's URL: schemashift run ${compiled.plan.file} --replica postgres://…@standby:5432/db ` +
      '(repeatable), or remove `on: replica` to verify on the primary',
  );
}

/** What telemetry says of this run: names only; the URL is kept to mask its password in error messages. */
function identityOf(
  mode: RunIdentity['mode'],
  compiled: CompiledPlan,
  opts: Pick<RunCommandOptions, 'database' | 'targetName'>,
  io: Io,
): RunIdentity {
  const databaseUrl = opts.database ?? io.env.DATABASE_URL;
  return {
    plan: compiled.plan.name,
    mode,
    dialect: compiled.dialect.name,
    operations: stepOperations(compiled),
    ...(opts.targetName === undefined ? {} : { target: opts.targetName }),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
  };
}

export async function runCommand(
  mode: 'run' | 'advance',
  file: string,
  opts: RunCommandOptions,
  io: Io,
  onOutcome?: (outcome: RunOutcome) => void,
): Promise<number> {
  const compiled = opts.compiled ?? (await compileForTargets(file, [opts.database], io, opts.flagsFile));
  refuseReplicaReadsWithoutReplica(compiled, opts.replica ?? []);
  const command = commandFor(file, opts.scope);
  const replicaUrls = parseReplicaUrls(opts.replica ?? [], io.cwd);
  const conn = await openDatabase(opts.database, io, runnerApplicationName(compiled.plan.name));
  const replicaNames = runnerApplicationName(compiled.plan.name);
  const replicas = await openReplicas(replicaUrls, replicaNames, compiled.dialect.activity, conn).catch(
    async (e: unknown) => {
      await conn.close();
      throw e;
    },
  );
  const renderer = await createRenderer(compiled, io, { json: opts.json === true });
  const observed = await observeRun(io, identityOf(mode, compiled, opts, io), renderer.listener);
  const { signal, dispose } = interruptSignal(io);
  try {
    const runOptions = {
      mode,
      acceptDrift: opts.acceptDrift === true,
      answers: { yes: opts.yes === true, ...(renderer.ask ? { ask: renderer.ask } : {}) },
      emit: observed.emit,
      signal: stopSignal(signal, opts.abort),
      command,
      ...(opts.phase ? { phase: opts.phase } : {}),
      replicas: replicas.replicas,
      env: io.env,
    };
    const outcome = await runPlan(conn, compiled, runOptions).catch(observed.threw);
    observed.ended(outcome.kind);
    onOutcome?.(outcome);
    await renderer.close();
    if (renderer.promptInterrupted?.()) return interruptedAtPrompt(io, opts.json === true, command(mode));
    if (opts.json) io.out(`${JSON.stringify({ type: 'outcome', ...outcome })}\n`);
    else io.out(`${paint(io.color).bold(describeOutcome(outcome, file, command))}\n`);
    const error = opts.json ? outcomeError(outcome, command) : undefined;
    if (error) printJsonError(io, error);
    return exitCodeOf(outcome);
  } finally {
    await renderer.close();
    await replicas.close();
    await conn.close();
    dispose();
  }
}

export async function rollbackCommand(
  file: string,
  opts: Pick<RunCommandOptions, 'yes' | 'database' | 'json' | 'abort' | 'compiled' | 'scope' | 'targetName'>,
  io: Io,
  onOutcome?: (outcome: RollbackOutcome) => void,
): Promise<number> {
  const compiled = opts.compiled ?? (await compileForTargets(file, [opts.database], io));
  const command = commandFor(file, opts.scope);
  const conn = await openDatabase(opts.database, io, runnerApplicationName(compiled.plan.name), { mustExist: true });
  const renderer = await createRenderer(compiled, io, { json: opts.json === true });
  const observed = await observeRun(io, identityOf('rollback', compiled, opts, io), renderer.listener);
  const { signal, dispose } = interruptSignal(io);
  try {
    const outcome = await rollbackPlan(conn, compiled, {
      answers: { yes: opts.yes === true, ...(renderer.ask ? { ask: renderer.ask } : {}) },
      emit: observed.emit,
      signal: stopSignal(signal, opts.abort),
      command,
      env: io.env,
    }).catch(observed.threw);
    observed.ended(outcome.kind);
    onOutcome?.(outcome);
    await renderer.close();
    if (renderer.promptInterrupted?.()) return interruptedAtPrompt(io, opts.json === true, command('rollback'));
    if (opts.json) io.out(`${JSON.stringify({ type: 'outcome', ...outcome })}\n`);
    switch (outcome.kind) {
      case 'rolled-back':
        if (!opts.json)
          io.out(
            `rolled back: ${outcome.undone.length} undo step(s) ran` +
              `${outcome.undone.length ? ` (${outcome.undone.join(', ')})` : ''}${
                outcome.kept.length ? `; left in place (adopted): ${outcome.kept.join(', ')}` : ''
              }\n`,
          );
        return 0;
      case 'nothing':
        if (!opts.json) io.out(`nothing to roll back for ${compiled.plan.name}\n`);
        return 0;
      case 'gate':
        if (!opts.json) io.out(`not rolled back: confirmation needed\n  to continue: ${outcome.next}\n`);
        return 0;
      case 'refused':
        io.err(`schemashift: ${outcome.reason}\n  help: write a new plan that moves forward instead\n`);
        if (opts.json)
          printJsonError(io, {
            code: 'rollback-refused',
            message: outcome.reason,
            help: 'write a new plan that moves forward instead',
            exit_code: 1,
          });
        return 1;
    }
  } finally {
    await conn.close();
    dispose();
  }
}
