/**
 * What `schemashift refresh` prints. Text: one line per view. `--json`: one document,
 * { "refreshes": [ { "view", "mode", "outcome", "started_at", "finished_at", "duration_ms", "rows",
 *   "age_seconds"?, "max_staleness_seconds"?, "stale"?, "blocking_reason"?, "error"?, "holder"? } ] }
 * (times ISO 8601 from the server's clock; null where the view was not refreshed because it was locked).
 */
import type { ViewRefreshSummary } from '../dialects/state.js';

import type { Paint } from './io.js';
import type { RefreshHolder, RefreshResult } from './refresh-view.js';

/** `pid 4242 (app@10.0.0.5, schemashift refresh) since 2026-…: REFRESH MATERIALIZED VIEW …`. */
export function holderText(holder: RefreshHolder | null | undefined): string {
  if (!holder) return 'a session that ended before it could be named';
  const who = [holder.user && holder.client ? `${holder.user}@${holder.client}` : holder.user, holder.application]
    .filter((p): p is string => !!p)
    .join(', ');
  const since = holder.since ? ` since ${new Date(holder.since).toISOString()}` : '';
  return `pid ${holder.pid}${who ? ` (${who})` : ''}${since}${holder.query ? `: ${holder.query}` : ''}`;
}

function rowsText(rows: number | null | undefined): string {
  return rows === null || rows === undefined ? 'rows not counted' : `${rows} row${rows === 1 ? '' : 's'}`;
}

export function refreshLine(r: RefreshResult, p: Paint): string {
  if (r.outcome === 'locked')
    return `${p.yellow('⏸')} ${r.view}: not refreshed: another refresh holds it: ${holderText(r.holder)}\n`;
  const took = `${((r.durationMs ?? 0) / 1000).toFixed(1)}s`;
  const why = r.blockingReason ? p.dim(` (blocking: ${r.blockingReason})`) : '';
  if (r.outcome === 'failed')
    return `${p.red('✖')} ${r.view}: ${r.mode} refresh failed after ${took}: ${r.error ?? 'unknown error'}${why}\n`;
  return `${p.green('✔')} ${r.view}: refreshed ${r.mode === 'blocking' ? '(blocking)' : r.mode} in ${took}, ${rowsText(r.rows)}${why}\n`;
}

function ageFields(summary: ViewRefreshSummary | undefined) {
  if (!summary) return {};
  const age = summary.ageSeconds === null ? {} : { age_seconds: Math.round(summary.ageSeconds) };
  if (summary.maxStalenessSeconds === null) return age;
  const stale = summary.ageSeconds === null || summary.ageSeconds > summary.maxStalenessSeconds;
  return { ...age, max_staleness_seconds: summary.maxStalenessSeconds, stale };
}

function resultJson(r: RefreshResult, summary: ViewRefreshSummary | undefined) {
  return {
    view: r.view,
    mode: r.mode,
    outcome: r.outcome,
    started_at: r.startedAt?.toISOString() ?? null,
    finished_at: r.finishedAt?.toISOString() ?? null,
    duration_ms: r.durationMs ?? null,
    rows: r.rows ?? null,
    ...ageFields(summary),
    ...(r.blockingReason ? { blocking_reason: r.blockingReason } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.outcome === 'locked' ? { holder: r.holder ?? null } : {}),
  };
}

/** age_seconds: since the view's latest successful refresh, by anyone (this one, when it succeeded). */
export function refreshJson(results: RefreshResult[], summaries: ViewRefreshSummary[]): string {
  const of = (view: string) => summaries.find((s) => `${s.viewSchema}.${s.viewName}` === view);
  return `${JSON.stringify({ refreshes: results.map((r) => resultJson(r, of(r.view))) }, null, 2)}\n`;
}
