/**
 * The data behind `schemashift status`, for library users: every run recorded in a database (or one
 * plan's), its step rows and what to do next. Read only; the CLI renders the same data.
 */
import { nextAction, type NextAction } from './cli/status-command.js';
import type { Connection } from './db/connection.js';
import { dialectNamed } from './dialects/registry.js';
import type { RunRow, StepRow } from './state/store.js';

export type { NextAction };
export type { ViewRefreshSummary } from './dialects/state.js';
/** Every materialized view with a recorded refresh or max_staleness: last refresh, age, policy (read only). */
export { readViewSummaries, isStale } from './cli/status-views.js';

export interface PlanStatus {
  run: RunRow;
  steps: StepRow[];
  next: NextAction;
}

/** The status of every recorded run, or only of `planName`'s; empty when nothing was ever run there. */
export async function readStatus(conn: Connection, planName?: string): Promise<PlanStatus[]> {
  const store = dialectNamed(conn.dialect).state.openStore(conn);
  if (!(await store.exists())) return [];
  const runs = planName === undefined ? await store.listRuns() : [await store.getRun(planName)];
  const recorded = runs.filter((r): r is RunRow => r !== undefined);
  return Promise.all(
    recorded.map(async (run) => {
      const steps = await store.getSteps(run.plan_name);
      return { run, steps, next: nextAction(run, steps) };
    }),
  );
}
