/**
 * Steps whose statement holds values from the environment (a foreign server's connection, a user
 * mapping's password). The plan holds only the variable's name; the runner reads it when the step
 * runs, renders the statement with it, and sends that text — but prints and records only the step's
 * `sql`, with placeholders. The password is registered as a secret, so that no output, error or
 * state row can carry it, and a missing or malformed variable stops the run before any step runs.
 */
import type { RuntimeForeignAction } from '../dialects/actions-foreign.js';
import { UsageError } from '../errors.js';
import { withoutRegisteredSecrets } from '../db/secrets.js';
import { connectionFromEnv } from '../operations/foreign-source-url.js';
import { renderAction } from '../operations/action-step.js';
import type { SqlStep } from '../operations/types.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { StepRow } from '../state/store.js';
import type { RunContext } from './context.js';

/** Before any step runs: every pending step's variable is set and well formed. */
export function requireRuntimeValues(compiled: CompiledPlan, rows: StepRow[], vars: NodeJS.ProcessEnv): void {
  const done = new Set(rows.filter((r) => r.status === 'done').map((r) => r.step_id));
  for (const phase of compiled.phases) {
    for (const { step } of phase.steps) {
      if (step.kind === 'sql' && step.runtime && 'connection' in step.runtime && !done.has(step.id))
        connectionFromEnv(step.runtime.connection.env, vars);
      // Every blue/green step connects to green, and replicate hands blue's URL to green's subscription.
      if (step.kind === 'replication' && !done.has(step.id)) requireReplicationUrls(compiled, vars);
    }
  }
}

function requireReplicationUrls(compiled: CompiledPlan, vars: NodeJS.ProcessEnv): void {
  for (const entry of compiled.entries)
    for (const step of entry.steps)
      if (step.kind === 'replication' && step.replicate) {
        connectionFromEnv(step.replicate.greenEnv, vars);
        connectionFromEnv(step.replicate.blueEnv, vars);
      }
}

/** The step as its ownership is decided (a server's connection is compared), and the text to send. */
export interface RuntimeStatement {
  step: SqlStep;
  sql: string;
  /** Sent first in the step's transaction: the secrets as bind parameters (a user mapping's password). */
  bind?: { sql: string; params: unknown[]; before?: string };
  /** Run after the statement in its transaction; its row is kept in the step's checkpoint. */
  records?: string;
}

/**
 * The role whose mapping the forward step created, from its checkpoint. Unknown (a row written
 * before the role was recorded), the undo refuses: dropping the current role's mapping would be a
 * guess, and when rollback runs as another role than run did it would drop that role's own mapping.
 */
async function mappedRole(ctx: RunContext, step: SqlStep, server: string): Promise<string> {
  const rows = await ctx.store.getSteps(ctx.plan.plan.name);
  const role = rows.find((r) => r.step_id === step.undoes)?.checkpoint?.mapped_role;
  if (typeof role === 'string' && role.length > 0) return role;
  throw new UsageError(
    `${step.id}: the role whose user mapping on server ${server} step ${step.undoes ?? '?'} created was not recorded, ` +
      `so rollback cannot tell whose mapping to drop`,
    `drop it yourself as a role that may (DROP USER MAPPING FOR <role> SERVER ${server}), then roll back again`,
  );
}

async function renderedAction(ctx: RunContext, step: SqlStep, runtime: RuntimeForeignAction) {
  if (runtime.kind === 'drop-user-mapping') {
    const role = await mappedRole(ctx, step, runtime.server);
    return { rendered: renderAction(ctx, { ...runtime, role }), resolved: undefined };
  }
  const resolved = connectionFromEnv(runtime.connection.env, ctx.env ?? process.env);
  return { rendered: renderAction(ctx, { ...runtime, resolved }), resolved };
}

export async function runtimeStatement(ctx: RunContext, step: SqlStep): Promise<RuntimeStatement> {
  if (!step.runtime) return { step, sql: step.sql };
  const { rendered, resolved } = await renderedAction(ctx, step, step.runtime);
  const { sql, bind, records } = rendered;
  const sent = { sql, ...(bind ? { bind } : {}), ...(records ? { records } : {}) };
  // The probe follows the rendered action (an undo's probe names the recorded role).
  if (rendered.probe !== undefined && rendered.probe !== step.probe) step = { ...step, probe: rendered.probe };
  const effect = step.effect;
  if (effect?.object.kind !== 'foreign server' || !resolved) return { step, ...sent };
  const { host, port, dbname } = resolved;
  return {
    step: { ...step, effect: { ...effect, object: { ...effect.object, connection: { host, port, dbname } } } },
    ...sent,
  };
}

/** An error of a statement that held a password, without it (a driver may echo the statement). */
export function withoutSecrets(e: unknown): unknown {
  if (e instanceof Error) e.message = withoutRegisteredSecrets(e.message);
  return e;
}
