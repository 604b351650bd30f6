/** `run|advance|rollback FILE --targets T.yaml`: the single-database command once per target, in fleet order. */
import { createInterface } from 'node:readline/promises';
import { passwordsIn } from '../db/secrets.js';
import { isUserFacingError, LockedError, UsageError } from '../errors.js';
import type { RollbackOutcome } from '../runner/rollback.js';
import type { RunOutcome } from '../runner/run-plan.js';
import { reportError } from '../cli/errors.js';
import { interruptSignal } from '../cli/interrupt.js';
import { redactingIo, type Io } from '../cli/io.js';
import type { RunCommandOptions } from '../cli/run-command.js';
import { fleetExitCode, runFleetInOrder, summaryTable, type TargetResult } from './fleet-pool.js';
import { capturedIo, prefixedIo } from './prefixed-io.js';
import { loadTargets, resolveUrls, selectTargets, type FleetTarget, type TargetSelection } from './targets.js';

export interface FleetOptions extends TargetSelection {
  targets: string;
  concurrency?: string;
  database?: string;
}

type Outcome = { outcome: string; error?: string };
type TargetCommand = (io: Io, url: string, seen: (o: Outcome) => void, abort: AbortSignal) => Promise<number>;

export function describeRun(o: RunOutcome): Outcome {
  switch (o.kind) {
    case 'done':
      return { outcome: 'done' };
    case 'phase-done':
      return { outcome: `phase ${o.phase} done` };
    case 'gate':
      return { outcome: 'stopped at gate', error: o.message };
    case 'failed':
      return { outcome: 'failed', error: `step ${o.stepId}: ${o.error}` };
    case 'interrupted':
      return { outcome: 'interrupted', error: o.at };
  }
}

export function describeRollback(o: RollbackOutcome): Outcome {
  if (o.kind === 'rolled-back') return { outcome: 'rolled back' };
  if (o.kind === 'nothing') return { outcome: 'nothing to roll back' };
  if (o.kind === 'gate') return { outcome: 'stopped at confirmation', error: o.message };
  return { outcome: 'refused', error: o.reason };
}

function failureOutcome(e: unknown, code: number): Outcome {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof LockedError) return { outcome: 'locked', error: message };
  if (code === 4) return { outcome: 'unreachable', error: message };
  return { outcome: isUserFacingError(e) ? 'failed' : 'internal error', error: message };
}

async function runTarget(
  target: FleetTarget,
  url: string,
  io: Io,
  json: boolean,
  command: TargetCommand,
  abort: AbortSignal,
) {
  const tio = json ? capturedIo(io, url) : prefixedIo(io, target.name, url);
  let seen: Outcome = { outcome: 'failed' };
  let exitCode: number;
  try {
    exitCode = await command(tio, url, (o) => (seen = o), abort);
  } catch (e) {
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

function concurrencyOf(value: string | undefined): number {
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

async function runFleet(
  verb: string,
  opts: FleetOptions & { yes?: boolean; json?: boolean },
  io: Io,
  command: (yes: boolean) => TargetCommand,
) {
  const { targets, urls } = fleetTargets(opts, io);
  const limit = concurrencyOf(opts.concurrency);
  const safeIo = redactingIo(
    io,
    [...urls.values()].flatMap((u) => passwordsIn(u)),
  );
  let yes = opts.yes === true;
  try {
    if (!yes && io.interactive)
      yes = await confirmOnce(
        `${verb} on ${targets.length} target(s): confirm its gates and contract for all of them?`,
      );
  } catch (e) {
    if (!(e instanceof Error && e.name === 'AbortError')) throw e;
    safeIo.err('\nCtrl-C at the confirmation: nothing was run\n');
    return 130;
  }
  const run = command(yes);
  const { signal, dispose } = interruptSignal(safeIo, FLEET_INTERRUPT);
  let results: TargetResult[];
  try {
    results = await runFleetInOrder(
      targets,
      limit,
      (t) => runTarget(t, urls.get(t.name) as string, safeIo, opts.json === true, run, signal),
      () => signal.aborted,
    );
  } finally {
    dispose();
  }
  // A Ctrl-C between targets interrupted the fleet even when no running target was caught by it.
  const exit = signal.aborted ? 130 : fleetExitCode(results);
  if (opts.json)
    safeIo.out(
      `${JSON.stringify({
        targets: results.map((r) => ({
          name: r.name,
          group: r.group,
          exit_code: r.exitCode,
          outcome: r.outcome,
          ...(r.error ? { error: r.error } : {}),
        })),
        exit_code: exit,
      })}\n`,
    );
  else safeIo.out(`\n${summaryTable(results)}\n`);
  return exit;
}

export async function fleetRunCommand(
  mode: 'run' | 'advance',
  file: string,
  opts: RunCommandOptions & FleetOptions,
  io: Io,
): Promise<number> {
  const { runCommand } = await import('../cli/run-command.js');
  const { targets: _t, concurrency: _c, only: _o, target: _n, targetIndex: _i, ...single } = opts;
  if ((opts.replica ?? []).length > 0) {
    throw new UsageError(
      '--replica with --targets would throttle every target on the lag of the same standby; nothing was run',
      "run each target's backfill with its own replicas (schemashift run FILE --database URL --replica URL)",
    );
  }
  return runFleet(
    mode,
    opts,
    io,
    (yes) => (tio, url, seen, abort) =>
      runCommand(mode, file, { ...single, yes, json: false, database: url, abort }, tio, (o) => seen(describeRun(o))),
  );
}

export async function fleetRollbackCommand(
  file: string,
  opts: { yes?: boolean; json?: boolean } & FleetOptions,
  io: Io,
): Promise<number> {
  const { rollbackCommand } = await import('../cli/run-command.js');
  return runFleet(
    'rollback',
    opts,
    io,
    (yes) => (tio, url, seen, abort) =>
      rollbackCommand(file, { yes, json: false, database: url, abort }, tio, (o) => seen(describeRollback(o))),
  );
}
