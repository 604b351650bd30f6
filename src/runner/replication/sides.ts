/**
 * The two sides of a blue/green step: blue is the runner's database (its session runs blue's
 * statements and the state lives there), green is opened from the URL in the environment for the
 * length of one step and closed after it. The tables are those the replicate step resolved and
 * recorded, so that every later step (and its undo) works on exactly the same list.
 */
import { connect, type Connection, type Queryable } from '../../db/connection.js';
import { maskUrl } from '../../db/secrets.js';
import type { ResolvedConnection } from '../../dialects/actions-foreign.js';
import type { ReplicationSql } from '../../dialects/replication.js';
import { UsageError } from '../../errors.js';
import { connectionFromEnv } from '../../operations/foreign-source-url.js';
import type { ReplicateSettings, ReplicationStep, Step } from '../../operations/types.js';
import { actorName, type RunContext } from '../context.js';

export interface ReplicatedTable {
  schema: string;
  name: string;
}

export interface Sides {
  ctx: RunContext;
  step: ReplicationStep;
  sql: ReplicationSql;
  settings: ReplicateSettings;
  /** The replicate step's id: its checkpoint holds the tables and what it created. */
  replicateId: string;
  green: Connection;
  /** host:port/db of green, for messages. */
  greenPlace: string;
  greenUrl: ResolvedConnection;
  blueUrl: ResolvedConnection;
}

export function replicationSqlOf(ctx: RunContext): ReplicationSql {
  const replication = ctx.dialect.replication;
  if ('refusal' in replication && replication.refusal)
    throw new UsageError(replication.refusal.message, replication.refusal.hint, 'unsupported-action');
  return replication;
}

/** The replicate step of the plan (catch_up, switch and drop_replication need one before them). */
export function replicateStepOf(ctx: RunContext, step: ReplicationStep): ReplicationStep {
  for (const entry of ctx.plan.entries) {
    const found = entry.steps.find((s: Step) => s.kind === 'replication' && s.stage === 'replicate');
    if (found && found.kind === 'replication') return found;
  }
  throw new UsageError(`${step.id}: the plan has no replicate step`, 'add a replicate step under expand');
}

/** host:port/db of a URL, without user or password. */
export function placeOf(c: ResolvedConnection): string {
  return `${c.host}:${c.port}/${c.dbname}`;
}

export async function withSides<T>(ctx: RunContext, step: ReplicationStep, fn: (s: Sides) => Promise<T>): Promise<T> {
  const replicateStep = replicateStepOf(ctx, step);
  const settings = replicateStep.replicate as ReplicateSettings;
  const vars = ctx.env ?? process.env;
  const greenUrl = connectionFromEnv(settings.greenEnv, vars);
  const blueUrl = connectionFromEnv(settings.blueEnv, vars);
  const raw = vars[settings.greenEnv] as string;
  let green: Connection;
  try {
    green = await connect(raw, { applicationName: 'schemashift blue/green' });
  } catch (e) {
    throw new Error(`cannot connect to green (${maskUrl(raw)}, from $${settings.greenEnv}): ${(e as Error).message}`);
  }
  try {
    const sql = replicationSqlOf(ctx);
    const sides = { ctx, step, sql, settings, replicateId: replicateStep.id, green, greenUrl, blueUrl };
    return await fn({ ...sides, greenPlace: placeOf(greenUrl) });
  } finally {
    await green.close().catch(() => undefined);
  }
}

/** A libpq connection string for `c`; each value quoted, backslash and quote escaped. */
export function conninfoOf(c: ResolvedConnection): string {
  const value = (v: string) => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const parts: [string, string][] = [
    ['host', c.host],
    ['port', c.port],
    ['dbname', c.dbname],
    ['user', c.user],
    // A publisher that accepts and never answers would keep CREATE SUBSCRIPTION (and the apply worker) waiting.
    ['connect_timeout', '10'],
  ];
  if (c.password) parts.push(['password', c.password]);
  return parts.map(([k, v]) => `${k}=${value(v)}`).join(' ');
}

/** The name of the database `db` is connected to (a slot belongs to one). */
export async function databaseOf(s: Pick<Sides, 'sql'>, db: Queryable): Promise<string> {
  return (await db.query<{ database: string }>(s.sql.readiness)).rows[0]?.database ?? '';
}

export function sqlNameOf(ctx: RunContext, t: ReplicatedTable): string {
  return `${ctx.dialect.ident(t.schema)}.${ctx.dialect.ident(t.name)}`;
}

export async function checkpointOf(ctx: RunContext, stepId: string): Promise<Record<string, unknown>> {
  const rows = await ctx.store.getSteps(ctx.plan.plan.name);
  return rows.find((r) => r.step_id === stepId)?.checkpoint ?? {};
}

/** Merge `patch` into the step's checkpoint (on `db`: inside the caller's transaction). */
export async function recordCheckpoint(
  ctx: RunContext,
  stepId: string,
  patch: Record<string, unknown>,
  db?: Parameters<RunContext['store']['setStep']>[3],
): Promise<void> {
  const current = await checkpointOf(ctx, stepId);
  await ctx.store.setStep(ctx.plan.plan.name, stepId, { checkpoint: { ...current, ...patch } }, db);
}

/** The tables the replicate step recorded; an error when it never resolved them. */
export async function recordedTables(s: Sides): Promise<ReplicatedTable[]> {
  const tables = (await checkpointOf(s.ctx, s.replicateId)).tables;
  if (!Array.isArray(tables) || tables.length === 0)
    throw new UsageError(
      `${s.step.id}: replicate (${s.replicateId}) has not recorded its tables yet`,
      'run the plan from the start: replicate comes first',
    );
  return tables as ReplicatedTable[];
}

/** Shown, and kept in blue's event log (what was created or dropped, for whoever rolls back or audits). */
export function say(s: Pick<Sides, 'ctx' | 'step'>, message: string): void {
  s.ctx.emit({ type: 'info', message });
  const { ctx, step } = s;
  void ctx.store
    .event(ctx.plan.plan.name, step.id, 'replication', message, undefined, actorName(ctx.actor))
    .catch(() => undefined);
}
