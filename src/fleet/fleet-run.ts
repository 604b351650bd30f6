/** `run|advance|rollback FILE --targets T.yaml`: the single-database command once per target, in fleet order. */
import { blueGreenKindsOf } from '../operations/replication-step.js';
import { createInterface } from 'node:readline/promises';
import { passwordsIn } from '../db/secrets.js';
import { UsageError } from '../errors.js';
import { reportError } from '../cli/errors.js';
import { interruptSignal } from '../cli/interrupt.js';
import { redactingIo, type Io } from '../cli/io.js';
import { commandFor, type RunCommandOptions } from '../cli/run-command.js';
import { fleetExitCode, runFleetInOrder, summaryTable, type TargetResult } from './fleet-pool.js';
import {
  describeRollback,
  describeRun,
  failureOutcome,
  fleetScope,
  type FleetScope,
  type Outcome,
} from './fleet-outcomes.js';
import { WaitingForPlanError } from '../runner/plan-order.js';
import { capturedIo, prefixedIo } from './prefixed-io.js';
import { loadTargets, resolveUrls, selectTargets, type FleetTarget, type TargetSelection } from './targets.js';

export interface FleetOptions extends TargetSelection {
  targets: string;
  concurrency?: string;
  database?: string;
}

/** One target's run: its URL, and the options that pick it (repeated in its hints). */
type TargetCall = { url: string; scope: string; name: string };
type TargetCommand = (io: Io, call: TargetCall, seen: (o: Outcome) => void, abort: AbortSignal) => Promise<number>;
/** Loads and checks the plan once for every URL (throws before anything connects), then runs it per target. */
type PrepareFleet = (urls: string[]) => Promise<(yes: boolean) => TargetCommand>;

async function runTarget(
  target: FleetTarget,
  call: TargetCall,
  io: Io,
  json: boolean,
  command: TargetCommand,
  abort: AbortSignal,
) {
  const tio = json ? capturedIo(io, call.url) : prefixedIo(io, target.name, call.url);
  let seen: Outcome = { outcome: 'failed' };
  let exitCode: number;
  try {
    exitCode = await command(tio, call, (o) => (seen = o), abort);
  } catch (thrown) {
    // The hint names the plan waited for on this target, with the fleet's options: copyable as printed.
    const e = thrown instanceof WaitingForPlanError ? thrown.scopedTo(call.scope) : thrown;
    exitCode = reportError(e, tio, false);
    seen = failureOutcome(e, exitCode);
  }
  if ('flush' in tio) tio.flush();
  const result: TargetResult = { name: target.name, group: target.group ?? null, exitCode, ...seen };
  return result;
}

/** Asked once for the whole fleet when a person is at the terminal and --yes was not given. */
async function confirmOnce(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const FLEET_INTERRUPT = {
  stopping:
    'no new target starts; running ones stop after their current statement or batch (press Ctrl-C again to quit at once)',
};

export function concurrencyOf(value: string | undefined): number {
  const n = Number(value ?? '1');
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency ${value}: a whole number of at least 1`);
  return n;
}

export function fleetTargets(opts: FleetOptions, io: Io): { targets: FleetTarget[]; urls: Map<string, string> } {
  if (opts.database !== undefined)
    throw new UsageError('--database and --targets do not go together', 'the targets file names every database');
  const targets = selectTargets(loadTargets(opts.targets, io.cwd), opts);
  return { targets, urls: resolveUrls(targets, io.env) };
}

/**
 * The fleet's own next step: after a failure or Ctrl-C the same fleet command again (each target continues
 * where it is); when every target's hint is the same, that hint for the whole fleet.
 */
function fleetHint(results: TargetResult[], scope: FleetScope, exit: number, again: string): string | undefined {
  if (exit === 130) return `\`${again}\` continues where each target stopped`;
  const waiting = results.filter((r) => r.outcome === 'waiting');
  if (waiting.length > 0 && results.every((r) => r.exitCode === 0 || r.outcome === 'waiting'))
    return waitingHint(waiting, again);
  if (exit !== 0) return `fix the cause, then run again: \`${again}\` continues where each target is`;
  const nexts = results.map((r) => r.next?.replace(scope.target(r.name), scope.fleet));
  const first = nexts[0];
  if (results.length < 2 || first === undefined || nexts.some((n) => n !== first)) return undefined;
  return `next, for every target: ${first}`;
}

/** Targets where a plan of the `after:` has not got far enough: move it on there (each target's hint), then again. */
function waitingHint(waiting: TargetResult[], again: string): string {
  const names = waiting.map((r) => r.name).join(', ');
  return (
    `${waiting.length} target(s) wait for another plan (${names}): move that plan on there first, as each ` +
    `target's help line says, then \`${again}\` runs them`
  );
}

function printSummary(io: Io, results: TargetResult[], exit: number, hint: string | undefined, json: boolean) {
  if (!json) {
    io.out(`\n${summaryTable(results)}\n${hint ? `${hint}\n` : ''}`);
    return;
  }
  const targets = results.map((r) => ({
    name: r.name,
    group: r.group,
    exit_code: r.exitCode,
    outcome: r.outcome,
    ...(r.error ? { error: r.error } : {}),
    ...(r.next ? { next: r.next } : {}),
  }));
  io.out(`${JSON.stringify({ targets, exit_code: exit, ...(hint ? { hint } : {}) })}\n`);
}

async function askOnce(verb: string, count: number, io: Io): Promise<boolean | 'interrupted'> {
  try {
    return await confirmOnce(`${verb} on ${count} target(s): confirm its gates and contract for all of them?`);
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AbortError')) throw e;
    io.err('\nCtrl-C at the confirmation: nothing was run\n');
    return 'interrupted';
  }
}

async function runFleet(
  verb: string,
  file: string,
  opts: FleetOptions & { yes?: boolean; json?: boolean },
  io: Io,
  prepare: PrepareFleet,
) {
  const { targets, urls } = fleetTargets(opts, io);
  const limit = concurrencyOf(opts.concurrency);
  const command = await prepare([...urls.values()]);
  const safeIo = redactingIo(
    io,
    [...urls.values()].flatMap((u) => passwordsIn(u)),
  );
  const scope = fleetScope(opts.targets, opts, targets);
  let yes = opts.yes === true;
  if (!yes && io.interactive) {
    const answer = await askOnce(verb, targets.length, safeIo);
    if (answer === 'interrupted') return 130;
    yes = answer;
  }
  const run = command(yes);
  const { signal, dispose } = interruptSignal(safeIo, FLEET_INTERRUPT);
  let results: TargetResult[];
  try {
    results = await runFleetInOrder(
      targets,
      limit,
      (t) =>
        runTarget(
          t,
          { url: urls.get(t.name) as string, scope: scope.target(t.name), name: t.name },
          safeIo,
          opts.json === true,
          run,
          signal,
        ),
      () => signal.aborted,
    );
  } finally {
    dispose();
  }
  // A Ctrl-C between targets interrupted the fleet even when no running target was caught by it.
  const exit = signal.aborted ? 130 : fleetExitCode(results);
  const again = commandFor(file, scope.fleet)(verb);
  printSummary(safeIo, results, exit, fleetHint(results, scope, exit, again), opts.json === true);
  return exit;
}

/** One green per plan: the same blue/green plan over many blues would aim every shard at the same green. */
function refuseBlueGreenOverFleet(file: string, compiled: { plan: { entries: { kind: string }[] } }): void {
  const kinds = blueGreenKindsOf(compiled.plan);
  if (kinds.length === 0) return;
  throw new UsageError(
    `${file}: a blue/green plan (${kinds.join(', ')}) moves one database to one green; it cannot run over --targets, nothing was run`,
    'run it for each database on its own, with its own GREEN_URL: schemashift run FILE --database URL',
  );
}

export async function fleetRunCommand(
  mode: 'run' | 'advance',
  file: string,
  opts: RunCommandOptions & FleetOptions,
  io: Io,
): Promise<number> {
  const { runCommand, compileForTargets } = await import('../cli/run-command.js');
  const { targets: _t, concurrency: _c, only: _o, target: _n, targetIndex: _i, ...single } = opts;
  if ((opts.replica ?? []).length > 0) {
    throw new UsageError(
      '--replica with --targets would throttle every target on the lag of the same standby; nothing was run',
      "run each target's backfill with its own replicas (schemashift run FILE --database URL --replica URL)",
    );
  }
  return runFleet(mode, file, opts, io, async (urls) => {
    const compiled = await compileForTargets(file, urls, io, opts.flagsFile);
    refuseBlueGreenOverFleet(file, compiled);
    return (yes) =>
      (tio, { url, scope, name }, seen, abort) =>
        runCommand(
          mode,
          file,
          { ...single, yes, json: false, database: url, abort, compiled, scope, targetName: name },
          tio,
          (o) => seen(describeRun(o)),
        );
  });
}

export async function fleetRollbackCommand(
  file: string,
  opts: { yes?: boolean; json?: boolean } & FleetOptions,
  io: Io,
): Promise<number> {
  const { rollbackCommand, compileForTargets } = await import('../cli/run-command.js');
  return runFleet('rollback', file, opts, io, async (urls) => {
    const compiled = await compileForTargets(file, urls, io);
    refuseBlueGreenOverFleet(file, compiled);
    return (yes) =>
      (tio, { url, scope, name }, seen, abort) =>
        rollbackCommand(file, { yes, json: false, database: url, abort, compiled, scope, targetName: name }, tio, (o) =>
          seen(describeRollback(o)),
        );
  });
}
