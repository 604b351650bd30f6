/**
 * Neutral actions of schedule_refresh: a refresh of a materialized view that the database itself
 * runs on a schedule (pg_cron in PostgreSQL). The job's name says which plan made it; the job's
 * command is built by the dialect from the view's name alone.
 */
import { createHash } from 'node:crypto';

export interface RefreshJob {
  /** The materialized view, as the plan writes it. */
  view: string;
  /** The job's name: `schemashift:<plan>:<view>`, bounded. */
  job: string;
  /** A cron expression, validated by the plan's schema. */
  schedule: string;
  concurrently: boolean;
  /** How long the job's refresh waits for its lock on the view before the run fails. */
  lockTimeoutMs: number;
  /** How long the job's refresh may run; undefined leaves the server's statement_timeout as it is. */
  statementTimeoutMs?: number;
  /** Who declares the view's max_staleness: `plan:<plan name>`. */
  declaredBy: string;
}

export type ScheduleAction =
  /** Install the job (or find it in place, the same), and declare max_staleness when given. */
  | ({ kind: 'schedule-refresh'; maxStalenessMs?: number } & RefreshJob)
  /** Remove this plan's job, and the max_staleness this plan declared; anything else by the name is left. */
  | ({ kind: 'unschedule-refresh' } & RefreshJob);

/** Job names are PostgreSQL `name`s in pg_cron: 63 bytes at most, so a long one keeps its start and a hash of the whole. */
export function refreshJobName(plan: string, view: string): string {
  const full = `schemashift:${plan}:${view}`;
  if (Buffer.byteLength(full) <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 10);
  return `${full.slice(0, 63 - 11)}~${hash}`;
}
