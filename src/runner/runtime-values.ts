/**
 * Steps whose statement holds values from the environment (a foreign server's connection, a user
 * mapping's password). The plan holds only the variable's name; the runner reads it when the step
 * runs, renders the statement with it, and sends that text — but prints and records only the step's
 * `sql`, with placeholders. The password is registered as a secret, so that no output, error or
 * state row can carry it, and a missing or malformed variable stops the run before any step runs.
 */
import type { RuntimeForeignAction } from '../dialects/actions-foreign.js';
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
      if (step.kind === 'sql' && step.runtime && !done.has(step.id))
        connectionFromEnv(step.runtime.connection.env, vars);
    }
  }
}

/** The step as its ownership is decided (a server's connection is compared), and the text to send. */
export interface RuntimeStatement {
  step: SqlStep;
  sql: string;
  /** Sent first in the step's transaction: the secrets as bind parameters (a user mapping's password). */
  bind?: { sql: string; params: unknown[] };
}

export function runtimeStatement(ctx: RunContext, step: SqlStep): RuntimeStatement {
  if (!step.runtime) return { step, sql: step.sql };
  const resolved = connectionFromEnv(step.runtime.connection.env, ctx.env ?? process.env);
  const action: RuntimeForeignAction = { ...step.runtime, resolved };
  const { sql, bind } = renderAction(ctx, action);
  const sent = bind ? { sql, bind } : { sql };
  const effect = step.effect;
  if (effect?.object.kind !== 'foreign server') return { step, ...sent };
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
