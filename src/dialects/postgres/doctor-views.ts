/**
 * Materialized views past their max_staleness, and views whose last refresh failed, from the
 * refreshes recorded by `schemashift refresh`, plan steps and pg_cron jobs (schemashift.view_refreshes).
 * A warning, not a failure: a stale view does not block a migration.
 */
import type { Queryable } from '../../db/connection.js';
import { ageText, ok, type DoctorCheck, type DoctorFinding } from '../../doctor/types.js';
import type { ViewRefreshSummary } from '../state.js';
import { PostgresViewRefreshStore } from './state-view-refreshes.js';

const nameOf = (v: ViewRefreshSummary) => `${v.viewSchema}.${v.viewName}`;
const refreshFix = (views: ViewRefreshSummary[]) => `schemashift refresh ${views.map(nameOf).join(' ')}`;

async function summaries(db: Queryable): Promise<ViewRefreshSummary[] | null> {
  const store = new PostgresViewRefreshStore(db);
  return (await store.exists()) ? store.summaries() : null;
}

function staleText(v: ViewRefreshSummary): string {
  const limit = ageText(v.maxStalenessSeconds ?? 0);
  return v.ageSeconds === null
    ? `${nameOf(v)} has no successful refresh recorded (max_staleness ${limit})`
    : `${nameOf(v)} is ${ageText(v.ageSeconds)} old (max_staleness ${limit})`;
}

function staleDetail(v: ViewRefreshSummary): Record<string, unknown> {
  return {
    view: nameOf(v),
    ageSeconds: v.ageSeconds === null ? null : Math.round(v.ageSeconds),
    maxStalenessSeconds: v.maxStalenessSeconds,
    declaredBy: v.declaredBy,
    lastOkAt: v.lastOkAt,
    lastSource: v.last?.source ?? null,
  };
}

export const STALE_VIEWS_CHECK: DoctorCheck = {
  id: 'stale-materialized-views',
  title: 'view staleness',
  async run(ctx): Promise<DoctorFinding> {
    const views = await summaries(ctx.db);
    if (views === null) return ok('no materialized view refreshes recorded');
    const stale = views.filter(
      (v) => v.maxStalenessSeconds !== null && (v.ageSeconds === null || v.ageSeconds > v.maxStalenessSeconds),
    );
    const declared = views.filter((v) => v.maxStalenessSeconds !== null).length;
    if (stale.length === 0) return ok(`${declared} view(s) with a max_staleness, none older than it`);
    return {
      status: 'warn',
      finding: `${stale.length} materialized view(s) older than their max_staleness: ${stale.map(staleText).join('; ')}`,
      fix: `${refreshFix(stale)} (and check the scheduler that should have run it)`,
      details: stale.map(staleDetail),
    };
  },
};

export const FAILED_REFRESHES_CHECK: DoctorCheck = {
  id: 'failed-view-refreshes',
  title: 'view refreshes',
  async run(ctx): Promise<DoctorFinding> {
    const views = await summaries(ctx.db);
    if (views === null) return ok('no materialized view refreshes recorded');
    const failed = views.filter((v) => v.last?.outcome === 'failed');
    if (failed.length === 0) return ok(`the last refresh of each of ${views.length} recorded view(s) succeeded`);
    const text = (v: ViewRefreshSummary) =>
      `${nameOf(v)} (${v.last?.source ?? '?'}: ${(v.last?.error ?? 'unknown error').split('\n')[0]})`;
    return {
      status: 'warn',
      finding: `the last refresh of ${failed.length} materialized view(s) failed: ${failed.map(text).join('; ')}`,
      fix: `fix the cause, then ${refreshFix(failed)}`,
      details: failed.map((v) => ({
        view: nameOf(v),
        source: v.last?.source ?? null,
        startedAt: v.last?.startedAt ?? null,
        error: v.last?.error ?? null,
      })),
    };
  },
};

export const VIEW_CHECKS: readonly DoctorCheck[] = [STALE_VIEWS_CHECK, FAILED_REFRESHES_CHECK];
