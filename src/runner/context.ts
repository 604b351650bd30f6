import type { Connection, Queryable, Session } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { Actor, StateStore } from '../state/store.js';
import type { RunnerListener } from './events.js';
import type { Replica } from './replicas.js';

/** Everything a step executor needs. Built once per run by run-plan.ts. */
export interface RunContext {
  conn: Connection;
  /**
   * The plan's dialect (the database's, checked when the run started): every statement the runner sends comes from it.
   */
  dialect: Dialect;
  /** The runner's own backend: holds the plan lock, runs every step statement. */
  session: Session;
  sessionPid: number | null;
  /** A second backend that watches the session for lock waits; null where there is none (PGlite). */
  monitor: Queryable | null;
  /** State on the pool; writes that must be atomic with a step pass the session instead. */
  store: StateStore;
  plan: CompiledPlan;
  actor: Actor;
  emit: RunnerListener;
  signal: AbortSignal;
  /** Read replicas given with `--replica`, for the replica-lag throttle. */
  replicas?: Replica[];
  /** How long a contract step waits for the replicas before it fails (default REPLICA_WAIT_TIMEOUT_MS, 5 min). */
  replicaWaitMs?: number;
  /** Where steps read values at run time (a foreign server's URL); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How to continue, for messages (`schemashift run FILE`, with a fleet's `--targets T --target NAME`). */
  command?: (verb: string, extra?: string) => string;
}

/** What the runner's session gave (prepareRunnerSession), what the caller asked, and the plan: one context. */
export function runContextOf(
  conn: Connection,
  session: Session,
  prepared: Pick<RunContext, 'store' | 'monitor' | 'sessionPid'>,
  compiled: CompiledPlan,
  actor: Actor,
  opts: Pick<RunContext, 'emit' | 'signal' | 'replicas' | 'env' | 'command' | 'replicaWaitMs'>,
): RunContext {
  const ctx: RunContext = {
    conn,
    dialect: compiled.dialect,
    session,
    ...prepared,
    plan: compiled,
    actor,
    emit: opts.emit,
    signal: opts.signal,
  };
  if (opts.replicas) ctx.replicas = opts.replicas;
  if (opts.replicaWaitMs !== undefined) ctx.replicaWaitMs = opts.replicaWaitMs;
  if (opts.env) ctx.env = opts.env;
  if (opts.command) ctx.command = opts.command;
  return ctx;
}

export function actorName(actor: Actor): string {
  return `${actor.user}@${actor.host} pid ${actor.pid}`;
}
