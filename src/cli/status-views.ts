/**
 * The "Materialized views" part of `status`: each view with a recorded refresh (by the CLI, a plan
 * or pg_cron) or a declared max_staleness, its last refresh, its age and whether it is STALE (older
 * than max_staleness, or never refreshed successfully as far as the records go).
 */
import type { Connection } from '../db/connection.js';
import { dialectNamed } from '../dialects/registry.js';
import type { ViewRefreshSummary } from '../dialects/state.js';
import { ageText } from '../doctor/types.js';
import type { Paint } from './io.js';

/** The views' summaries; empty where the dialect keeps none or the state tables predate them. Reads only. */
export async function readViewSummaries(conn: Connection): Promise<ViewRefreshSummary[]> {
  const open = dialectNamed(conn.dialect).state.viewRefreshes;
  if (!open) return [];
  const store = open(conn);
  return (await store.exists()) ? store.summaries() : [];
}

export function isStale(v: ViewRefreshSummary): boolean {
  return v.maxStalenessSeconds !== null && (v.ageSeconds === null || v.ageSeconds > v.maxStalenessSeconds);
}

function lastText(v: ViewRefreshSummary, p: Paint): string {
  const last = v.last;
  if (!last) return 'no refresh recorded';
  const at = (last.finishedAt ?? last.startedAt).toISOString();
  const took = last.durationMs === null ? '' : `, ${(last.durationMs / 1000).toFixed(1)}s`;
  const rows = last.rows === null ? '' : `, ${last.rows} rows`;
  const by = `${last.source}${last.actor ? ` ${last.actor}` : ''}`;
  const outcome = last.outcome === 'ok' ? p.green('ok') : p.red(`failed: ${(last.error ?? '').split('\n')[0]}`);
  return `last refresh ${at} ${outcome} (${last.mode}${took}${rows}, by ${by})`;
}

function viewLine(v: ViewRefreshSummary, p: Paint): string {
  const age = v.ageSeconds === null ? 'no successful refresh recorded' : `age ${ageText(v.ageSeconds)}`;
  const policy =
    v.maxStalenessSeconds === null
      ? ''
      : ` · max_staleness ${ageText(v.maxStalenessSeconds)} (${v.declaredBy ?? 'unknown'})`;
  const stale = isStale(v) ? ` ${p.red('STALE')} — run \`schemashift refresh ${v.viewSchema}.${v.viewName}\`` : '';
  return `  ${p.bold(`${v.viewSchema}.${v.viewName}`)}  ${lastText(v, p)}\n    ${age}${policy}${stale}`;
}

export function viewsText(views: ViewRefreshSummary[], p: Paint): string {
  return ['Materialized views', ...views.map((v) => viewLine(v, p))].join('\n');
}

export function viewsJson(views: ViewRefreshSummary[]) {
  return views.map((v) => ({
    view: `${v.viewSchema}.${v.viewName}`,
    last_refresh: v.last && {
      started_at: v.last.startedAt,
      finished_at: v.last.finishedAt,
      duration_ms: v.last.durationMs,
      rows: v.last.rows,
      mode: v.last.mode,
      outcome: v.last.outcome,
      error: v.last.error,
      source: v.last.source,
      actor: v.last.actor,
    },
    last_ok_at: v.lastOkAt,
    age_seconds: v.ageSeconds === null ? null : Math.round(v.ageSeconds),
    max_staleness_seconds: v.maxStalenessSeconds,
    declared_by: v.declaredBy,
    stale: isStale(v),
  }));
}
