/**
 * Steps whose statement holds values from the environment (a foreign server's connection, a user
 * mapping's password). The plan holds only the variable's name; the runner reads it when the step
 * runs, renders the statement with it, and sends that text — but prints and records only the step's
 * `sql`, with placeholders. The password is registered as a secret, so that no output, error or
 * state row can carry it, and a missing or malformed variable stops the run before any step runs.
 */
import type { ResolvedConnection, RuntimeForeignAction } from '../dialects/actions-foreign.js';
import { registerSecrets, withoutRegisteredSecrets } from '../db/secrets.js';
import { UsageError } from '../errors.js';
import { renderAction } from '../operations/action-step.js';
import type { SqlStep } from '../operations/types.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { StepRow } from '../state/store.js';
import type { RunContext } from './context.js';

const SHAPE = 'postgres://user:password@host:5432/dbname';

function invalid(env: string, problem: string): UsageError {
  // The value is never quoted: it holds a password.
  return new UsageError(
    `$${env} ${problem}`,
    `set ${env} to a URL of the other database, ${SHAPE} (percent-encode special characters of the password)`,
    'bad-source-url',
  );
}

function decoded(env: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(env, `has a badly percent-encoded ${what}`);
  }
}

/** The connection in the environment variable `env`; a UsageError (exit 2) that never echoes the value otherwise. */
export function connectionFromEnv(env: string, vars: NodeJS.ProcessEnv): ResolvedConnection {
  const value = vars[env];
  if (value === undefined || value === '') throw invalid(env, 'is not set: the plan reads another database from it');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(env, 'is not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid(env, `is not a postgres:// or postgresql:// URL (it is ${url.protocol}//…)`);
  }
  if (url.search !== '') throw invalid(env, 'has query parameters, which a foreign server does not take from it');
  const dbname = decoded(env, url.pathname.replace(/^\//, ''), 'database name');
  if (!url.hostname || !dbname || !url.username) throw invalid(env, 'lacks a host, a database name or a user name');
  const connection: ResolvedConnection = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port || '5432',
    dbname,
    user: decoded(env, url.username, 'user name'),
  };
  if (url.password) connection.password = decoded(env, url.password, 'password');
  registerSecrets(value);
  return connection;
}

/** Before any step runs: every pending step's variable is set and well formed. */
export function requireRuntimeValues(compiled: CompiledPlan, rows: StepRow[], vars: NodeJS.ProcessEnv): void {
  const done = new Set(rows.filter((r) => r.status === 'done').map((r) => r.step_id));
  for (const phase of compiled.phases) {
    for (const { step } of phase.steps) {
      if (step.kind === 'sql' && step.runtime && !done.has(step.id)) connectionFromEnv(step.runtime.connection.env, vars);
    }
  }
}

/** The step as its ownership is decided (a server's connection is compared), and the text to send. */
export function runtimeStatement(ctx: RunContext, step: SqlStep): { step: SqlStep; sql: string } {
  if (!step.runtime) return { step, sql: step.sql };
  const resolved = connectionFromEnv(step.runtime.connection.env, ctx.env ?? process.env);
  const action: RuntimeForeignAction = { ...step.runtime, resolved };
  const sql = renderAction(ctx, action).sql;
  const effect = step.effect;
  if (effect?.object.kind !== 'foreign server') return { step, sql };
  const { host, port, dbname } = resolved;
  return { step: { ...step, effect: { ...effect, object: { ...effect.object, connection: { host, port, dbname } } } }, sql };
}

/** An error of a statement that held a password, without it (a driver may echo the statement). */
export function withoutSecrets(e: unknown): unknown {
  if (e instanceof Error) e.message = withoutRegisteredSecrets(e.message);
  return e;
}
