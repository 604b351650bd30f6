/**
 * What the four blue/green operations share: the refusal of a dialect without logical replication
 * (at compile time, so `validate` exits 2 before anything runs), and the shape of their steps.
 */
import type { ReplicationSql } from '../dialects/replication.js';
import { UsageError } from '../errors.js';
import { replicationNames } from './replication-names.js';
import type { OperationContext, ReplicationStage, ReplicationStep } from './types.js';

/** The name of an environment variable a shell or a Kubernetes Secret can set. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const BLUE_GREEN_KINDS = new Set(['replicate', 'catch_up', 'switch', 'drop_replication']);

/** The blue/green operations a plan holds, in plan order, each once: commands that run one database refuse them. */
export function blueGreenKindsOf(plan: { entries: { kind: string }[] }): string[] {
  return [...new Set(plan.entries.map((e) => e.kind).filter((k) => BLUE_GREEN_KINDS.has(k)))];
}

/** The dialect's replication, once refuseWithoutReplication has let the plan through. */
export function replicationOf(ctx: OperationContext): ReplicationSql {
  const replication = ctx.dialect.replication;
  if (replication.refusal !== undefined) throw new Error(`internal: ${ctx.dialect.name} has no replication`);
  return replication;
}

export function refuseWithoutReplication(ctx: OperationContext, kind: string): void {
  const replication = ctx.dialect.replication;
  if (!('refusal' in replication) || replication.refusal === undefined) return;
  throw new UsageError(
    `${ctx.dialect.name} cannot ${kind}: ${replication.refusal.message}`,
    replication.refusal.hint,
    'unsupported-action',
  );
}

export function replicationStep(
  ctx: OperationContext,
  stage: ReplicationStage,
  summary: string,
  actions: string[],
  settings: Pick<ReplicationStep, 'replicate' | 'catchUp' | 'switch'> = {},
  id = ctx.id,
): ReplicationStep {
  return {
    id,
    phase: ctx.phase,
    kind: 'replication',
    stage,
    summary,
    names: replicationNames(ctx.plan ?? ctx.id),
    actions,
    ...settings,
  };
}

/** Exact, for `plan` output: 1h, 90s, 1500ms (never rounded). */
export function exactDuration(millis: number): string {
  const units: [number, string][] = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  const [size, unit] = units.find(([n]) => millis > 0 && millis % n === 0) ?? [1, 'ms'];
  return `${millis / size}${unit}`;
}
