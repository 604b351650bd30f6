/** `status [FILE] --targets T.yaml`: each target's own status (read from its own database), in one table or document. */
import { passwordsIn } from '../db/secrets.js';
import { reportError } from '../cli/errors.js';
import { redactingIo, type Io } from '../cli/io.js';
import { capturedIo } from './prefixed-io.js';
import { loadPlanFile } from '../plan/load.js';
import { fleetScope, type FleetScope } from './fleet-outcomes.js';
import { mapLimited } from './fleet-pool.js';
import { concurrencyOf, fleetTargets, type FleetOptions } from './fleet-run.js';
import type { FleetTarget } from './targets.js';

interface PlanJson {
  name: string;
  status: string;
  phase: string;
  steps: { id: string; status: string; rows_done: number; rows_total: number | null }[];
  next: { step: string | null };
}

interface TargetStatus {
  name: string;
  group: string | null;
  status: string;
  phase: string | null;
  error?: string;
  plans: PlanJson[];
  exitCode: number;
}

/** The plan (when FILE is given): loaded once, before any target connects. */
type PlanRef = { file: string; name: string } | undefined;

async function statusOf(
  target: FleetTarget,
  url: string,
  plan: PlanRef,
  scope: FleetScope,
  io: Io,
): Promise<TargetStatus> {
  const { statusCommand } = await import('../cli/status-command.js');
  const tio = capturedIo(io, url);
  const base = { name: target.name, group: target.group ?? null };
  try {
    const opts = { json: true, database: url, scope: scope.target(target.name) };
    await statusCommand(plan?.file, plan ? { ...opts, planName: plan.name } : opts, tio);
    const plans = (JSON.parse(tio.stdout()) as { plans: PlanJson[] }).plans;
    const first = plans[0];
    return { ...base, status: first ? first.status : 'not started', phase: first?.phase ?? null, plans, exitCode: 0 };
  } catch (e) {
    const exitCode = reportError(e, tio, false);
    const error = e instanceof Error ? e.message : String(e);
    return { ...base, status: exitCode === 4 ? 'unreachable' : 'error', phase: null, error, plans: [], exitCode };
  }
}

function progressOf(plan: PlanJson): string {
  const done = plan.steps.filter((s) => s.status === 'done').length;
  const rows = plan.steps.find((s) => s.id === plan.next.step && s.rows_total);
  return `${done}/${plan.steps.length} steps${rows ? `, ${rows.rows_done}/${rows.rows_total} rows` : ''}`;
}

function rowsOf(s: TargetStatus): string[][] {
  const group = s.group ?? '-';
  if (s.plans.length === 0)
    return [[s.name, group, '-', s.error ? `${s.status}: ${s.error}` : s.status, '-', '-', '-']];
  return s.plans.map((p) => [s.name, group, p.name, p.status, p.phase, p.next.step ?? '-', progressOf(p)]);
}

function table(statuses: TargetStatus[]): string {
  const rows = [['target', 'group', 'plan', 'status', 'phase', 'next step', 'progress'], ...statuses.flatMap(rowsOf)];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function fleetStatusCommand(
  file: string | undefined,
  opts: FleetOptions & { json?: boolean },
  io: Io,
): Promise<number> {
  const { targets, urls } = fleetTargets(opts, io);
  const limit = concurrencyOf(opts.concurrency);
  const plan: PlanRef = file === undefined ? undefined : { file, name: (await loadPlanFile(file, io.cwd)).name };
  const scope = fleetScope(opts.targets, opts, targets);
  const safeIo = redactingIo(
    io,
    [...urls.values()].flatMap((u) => passwordsIn(u)),
  );
  const statuses = await mapLimited(targets, limit, (t) =>
    statusOf(t, urls.get(t.name) as string, plan, scope, safeIo),
  );
  const exit = Math.max(0, ...statuses.map((s) => s.exitCode));
  if (opts.json) {
    const targetsJson = statuses.map(({ exitCode: _e, ...s }) => s);
    safeIo.out(`${JSON.stringify({ targets: targetsJson, exit_code: exit }, null, 2)}\n`);
  } else safeIo.out(`${table(statuses)}\n`);
  return exit;
}
