/** `status [FILE] [--json]`: where every known change stands, read only from the state tables. */
import type { Connection } from '../db/connection.js';
import { describeFlagStatus, rolloutFlagStatus, type RolloutFlagStatus } from '../flags/rollout-status.js';
import type { PlanDependency } from '../plan/after.js';
import { loadPlanFile } from '../plan/load.js';
import type { RunRow, StateStore, StepPace, StepRow } from '../state/store.js';
import { openDatabase } from './database.js';
import { paint, type Io, type Paint } from './io.js';
import { progressText } from './render-lines.js';
import { commandFor } from './command-hint.js';
import { stateSqlOf, stateStoreOf } from './state-of.js';
import { verifyJson, verifyLines, verifyStatuses, type VerifyStatus } from './render-verify.js';
import { readViewSummaries, viewsJson, viewsText } from './status-views.js';
import {
  dependencyJson,
  inFlightJson,
  inFlightOrder,
  inFlightText,
  afterText,
  readDependencies,
  waitingLines,
  type OrderedDependency,
} from './status-order.js';

export interface NextAction {
  step: string | null;
  message: string;
  command: string | null;
}

/** `scope`: the fleet options that pick this database (`--targets T.yaml --target NAME`), repeated in the command. */
export function nextAction(run: RunRow, steps: StepRow[], scope?: string): NextAction {
  const command = commandFor(run.plan_file, scope);
  if (run.status === 'rolled_back')
    return {
      step: null,
      message:
        'rolled back: what this plan made is undone (objects it adopted stay); running it again starts from scratch',
      command: command('run'),
    };
  if (run.status === 'rolling_back')
    return { step: null, message: 'a rollback was interrupted: finish it', command: command('rollback') };
  const pending = steps.find((s) => s.status !== 'done');
  if (!pending) return { step: null, message: 'done: nothing left to run', command: null };
  if (run.status === 'failed' && pending.status === 'failed') {
    return {
      step: pending.step_id,
      message: `step ${pending.step_id} failed: ${pending.last_error ?? 'unknown error'}; fix the cause and run again`,
      command: command('run'),
    };
  }
  if (pending.kind === 'gate')
    return {
      step: pending.step_id,
      message: `gate '${pending.summary.replace(/^confirm: /, '')}'`,
      command: command('advance'),
    };
  if (pending.phase === 'contract' && !run.contract_started) {
    return {
      step: pending.step_id,
      message: 'contract (irreversible, confirmed before it starts)',
      command: command('advance'),
    };
  }
  if (run.status === 'running')
    return { step: pending.step_id, message: `${pending.step_id} is running`, command: null };
  return {
    step: pending.step_id,
    message: `${pending.step_id} (${pending.summary})`,
    command: command(run.status === 'at_gate' ? 'advance' : 'run'),
  };
}

const MARK: Record<string, string> = {
  done: '✔',
  running: '▶',
  failed: '✖',
  interrupted: '⏸',
  pending: '·',
  undone: '↺',
};

/** An adaptive backfill's pace as the step row keeps it: the batch and pause now (or at the end), the last change. */
function paceLine(pace: StepPace, done: boolean): string {
  const now = `${done ? 'ended at' : 'pace'} batch ${pace.size}${pace.delay_ms > 0 ? `, delay ${pace.delay_ms} ms` : ''}`;
  const changes = `${pace.changes} change${pace.changes === 1 ? '' : 's'}`;
  const last = pace.reason && pace.changed_at ? `; last change at ${pace.changed_at}: ${pace.reason}` : '';
  return `${now} (adaptive, ${changes}${last})`;
}

function stepLine(s: StepRow, p: Paint, flag?: RolloutFlagStatus): string {
  const mark = s.adopted ? '≡' : (MARK[s.status] ?? '?');
  const colored =
    s.status === 'done'
      ? p.green(mark)
      : s.status === 'failed'
        ? p.red(mark)
        : s.status === 'running' || s.status === 'interrupted'
          ? p.yellow(mark)
          : p.dim(mark);
  let extra = '';
  if ((s.kind === 'backfill' || s.kind === 'verify') && (Number(s.rows_done) > 0 || s.rows_total !== null)) {
    extra = (
      ` — ` +
      `${progressText({
        rowsDone: Number(s.rows_done),
        rowsTotal: s.rows_total === null ? null : Number(s.rows_total),
        rowsPerSecond: 0,
        etaMs: null,
      })}`
    ).replace(/, 0 rows\/s/, '');
  }
  if (s.adopted)
    extra += p.cyan(
      s.status === 'undone'
        ? ' — adopted: was there before this plan, left in place by the rollback'
        : ' — adopted: was there before this plan (rollback leaves it)',
    );
  if (flag) extra += p.cyan(` — ${describeFlagStatus(flag)}`);
  if (s.pace && s.kind === 'backfill') extra += p.dim(` — ${paceLine(s.pace, s.status === 'done')}`);
  if (s.waiting_on && s.status === 'running') extra += p.yellow(` — waiting: ${s.waiting_on}`);
  if (s.last_error && s.status !== 'done') extra += p.red(` — ${s.last_error.split('\n')[0]}`);
  return `    ${colored} ${s.step_id}  ${p.dim(s.summary)}${extra}`;
}

function renderRun(
  { run, steps, next, after }: { run: RunRow; steps: StepRow[]; next: NextAction; after: OrderedDependency[] },
  p: Paint,
  flags = new Map<string, RolloutFlagStatus>(),
  verifies = new Map<string, VerifyStatus>(),
): string {
  const lines = [
    `${p.bold(run.plan_name)}  ${run.status.replace(/_/g, ' ')}${
      run.phase ? ` · ${run.phase}` : ''
    }${run.paused ? p.yellow(` · paused by ${run.pause_requested_by ?? 'someone'}`) : ''}`,
    p.dim(
      `  ${run.plan_file} · started` +
        ` by ${run.started_by_user}@${run.started_by_host} pid ${run.started_by_pid} at ` +
        `${new Date(run.started_at).toISOString()} · updated ${new Date(run.updated_at).toISOString()}`,
    ),
  ];
  if (after.length > 0) lines.push(`  ${afterText(after)}`);
  for (const phase of ['expand', 'migrate', 'contract']) {
    const inPhase = steps.filter((s) => s.phase === phase);
    if (inPhase.length === 0) continue;
    const done = inPhase.filter((s) => s.status === 'done').length;
    lines.push(
      `  ${phase} ${p.dim(`(${done}/${inPhase.length})`)}`,
      ...inPhase.flatMap((s) => [stepLine(s, p, flags.get(s.step_id)), ...verifyLines(verifies.get(s.step_id), p)]),
    );
  }
  lines.push(`  next: ${next.message}${next.command ? ` — run \`${next.command}\`` : ''}`);
  return lines.join('\n');
}

function runJson(
  { run, steps, next, after }: { run: RunRow; steps: StepRow[]; next: NextAction; after: OrderedDependency[] },
  flags = new Map<string, RolloutFlagStatus>(),
  verifies = new Map<string, VerifyStatus>(),
) {
  return {
    name: run.plan_name,
    file: run.plan_file,
    status: run.status,
    phase: run.phase,
    contract_started: run.contract_started,
    paused: run.paused,
    started_by: { user: run.started_by_user, host: run.started_by_host, pid: run.started_by_pid },
    started_at: run.started_at,
    updated_at: run.updated_at,
    finished_at: run.finished_at,
    after: after.map(dependencyJson),
    steps: steps.map((s) => ({
      id: s.step_id,
      phase: s.phase,
      kind: s.kind,
      summary: s.summary,
      status: s.status,
      attempts: s.attempts,
      rows_done: Number(s.rows_done),
      rows_total: s.rows_total === null ? null : Number(s.rows_total),
      adopted: s.adopted === true,
      checkpoint: s.checkpoint,
      last_error: s.last_error,
      waiting_on: s.waiting_on,
      ...(s.pace ? { pace: s.pace } : {}),
      started_at: s.started_at,
      finished_at: s.finished_at,
      ...(flags.has(s.step_id) ? { flag: flags.get(s.step_id) } : {}),
      ...(verifies.has(s.step_id) ? { verify: verifyJson(verifies.get(s.step_id) as VerifyStatus) } : {}),
    })),
    next,
  };
}

export async function statusCommand(
  file: string | undefined,
  opts: { json?: boolean; database?: string; planName?: string; scope?: string },
  io: Io,
): Promise<number> {
  // A fleet loads the plan once for all its targets and passes its name.
  const loaded = file && opts.planName === undefined ? await loadPlanFile(file, io.cwd) : undefined;
  const name = file ? (opts.planName ?? loaded?.name) : undefined;
  const conn = await openDatabase(opts.database, io, 'schemashift status', { mustExist: true });
  try {
    return await printStatus(
      conn,
      {
        ...(file !== undefined && name !== undefined ? { plan: { file, name, after: loaded?.after ?? [] } } : {}),
        json: opts.json === true,
        ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
      },
      io,
    );
  } finally {
    await conn.close();
  }
}

/** Every run recorded (or the one of plan `name`); none where the state tables are not there. */
async function recordedRuns(store: StateStore, name: string | undefined): Promise<RunRow[]> {
  if (!(await store.exists())) return [];
  if (name === undefined) return store.listRuns();
  return [await store.getRun(name)].filter((r): r is RunRow => r !== undefined);
}

/** Print the status of every run (or of one plan) recorded on an open connection; `status` and `demo` share it. */
export async function printStatus(
  conn: Connection,
  which: { plan?: { file: string; name: string; after?: PlanDependency[] }; json: boolean; scope?: string },
  io: Io,
): Promise<number> {
  const name = which.plan?.name;
  const store = stateStoreOf(conn);
  const runs = await recordedRuns(store, name);
  const withSteps = await Promise.all(
    runs.map(async (run) => {
      const steps = await store.getSteps(run.plan_name);
      return {
        run,
        steps,
        flags: await rolloutFlagStatus(conn, stateSqlOf(conn), io.cwd, run, steps),
        verifies: await verifyStatuses(conn, run.plan_name, steps),
        next: nextAction(run, steps, which.scope),
      };
    }),
  );
  const dependencies = await readDependencies(store, withSteps);
  const plans = withSteps.map((r) => ({ ...r, after: dependencies.get(r.run.plan_name) ?? [] }));
  // Views and the order of plans belong to the database, not to a plan: only the whole-database status shows them.
  const views = name === undefined ? await readViewSummaries(conn) : [];
  const inFlight = name === undefined ? inFlightOrder(withSteps, dependencies) : [];
  if (which.json) {
    io.out(
      `${JSON.stringify(
        {
          version: 1,
          database: conn.displayUrl,
          plans: plans.map((r) => runJson(r, r.flags, r.verifies)),
          ...(name === undefined ? { materialized_views: viewsJson(views), in_flight: inFlightJson(inFlight) } : {}),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const p = paint(io.color);
  const viewPart = views.length > 0 ? `\n${viewsText(views, p)}\n` : '';
  if (withSteps.length === 0) {
    io.out(
      (which.plan
        ? `plan ${which.plan.name} has not run on ${conn.displayUrl}\n` +
          (await waitingLines(store, which.plan.after ?? [])) +
          `  next: run \`${commandFor(which.plan.file, which.scope)('run')}\`\n`
        : `no schemashift runs recorded on ${conn.displayUrl}\n`) + viewPart,
    );
    return 0;
  }
  const orderPart = inFlight.some((f) => f.after.length > 0) ? `${inFlightText(inFlight, p)}\n\n` : '';
  io.out(
    `${p.dim(`database: ${conn.displayUrl}`)}\n\n${orderPart}` +
      `${plans.map((r) => renderRun(r, p, r.flags, r.verifies)).join('\n\n')}\n` +
      viewPart,
  );
  return 0;
}
