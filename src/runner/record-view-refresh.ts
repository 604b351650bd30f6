/**
 * A plan's refresh_materialized_view step goes into the view's refresh history too
 * (schemashift.view_refreshes, source `plan:<plan name>`), so that `status` and `doctor` count it
 * like a `schemashift refresh`. Only a refresh that ran is recorded (a failed step is in the plan's
 * own state and events); its rows are not counted (null), to add no scan to a plan's step.
 */
import type { RefreshMaterializedViewSpec } from '../operations/refresh-materialized-view.js';
import type { SqlStep } from '../operations/types.js';
import type { RunContext } from './context.js';

/** How many refreshes of each view schemashift.view_refreshes keeps (`schemashift refresh` keeps as many). */
export const REFRESHES_KEPT = 100;

export interface PendingViewRefresh {
  /** Record the refresh as done now; a failure to record is said, never fails the step. */
  record(): Promise<void>;
}

function refreshSpecOf(ctx: RunContext, step: SqlStep): RefreshMaterializedViewSpec | undefined {
  for (const phase of ctx.plan.phases)
    for (const compiled of phase.steps)
      if (compiled.step.id === step.id && compiled.entry.kind === 'refresh_materialized_view')
        return compiled.entry.spec as RefreshMaterializedViewSpec;
  return undefined;
}

async function serverNow(ctx: RunContext, sql: string): Promise<Date> {
  const { rows } = await ctx.session.query<{ now: Date }>(sql);
  return new Date(rows[0]?.now ?? Date.now());
}

/** Before a step runs: undefined unless it is a refresh_materialized_view the dialect keeps a history of. */
export async function startViewRefresh(ctx: RunContext, step: SqlStep): Promise<PendingViewRefresh | undefined> {
  const spec = refreshSpecOf(ctx, step);
  const sql = ctx.dialect.viewRefresh;
  const open = ctx.dialect.state.viewRefreshes;
  if (!spec || sql.refusal !== undefined || !open) return undefined;
  const startedAt = await serverNow(ctx, sql.serverTime);
  return {
    async record() {
      try {
        const { sql: describe, params } = sql.describe(ctx.dialect.qualified(spec.name));
        const view = (await ctx.session.query<{ schema: string; name: string }>(describe, params)).rows[0];
        if (!view) return;
        const finishedAt = await serverNow(ctx, sql.serverTime);
        const refresh = {
          viewSchema: view.schema,
          viewName: view.name,
          startedAt,
          finishedAt,
          durationMs: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
          rows: null,
          mode: spec.concurrently ? ('concurrently' as const) : ('blocking' as const),
          outcome: 'ok' as const,
          error: null,
          source: `plan:${ctx.plan.plan.name}`,
          actor: `${ctx.actor.user}@${ctx.actor.host}`,
        };
        await open(ctx.session).record(refresh, REFRESHES_KEPT);
      } catch (e) {
        ctx.emit({
          type: 'info',
          message: `the refresh ran but was not recorded in its history: ${(e as Error).message}`,
        });
      }
    },
  };
}
