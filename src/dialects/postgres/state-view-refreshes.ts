/** schemashift.view_refreshes and view_policies (state v7): every refresh of a materialized view, by any source. */
import type { Queryable } from '../../db/connection.js';
import type { ViewRefreshRecord, ViewRefreshStore, ViewRefreshSummary } from '../state.js';

const INSERT_REFRESH = `INSERT INTO schemashift.view_refreshes
  (view_schema, view_name, started_at, finished_at, duration_ms, rows, mode, outcome, error, source, actor)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

/** Everything older than the view's `keep` latest rows. */
const PRUNE_REFRESHES = `DELETE FROM schemashift.view_refreshes WHERE view_schema = $1 AND view_name = $2
  AND id <= (SELECT id FROM schemashift.view_refreshes WHERE view_schema = $1 AND view_name = $2
             ORDER BY id DESC OFFSET $3 LIMIT 1)`;

const UPSERT_POLICY = `INSERT INTO schemashift.view_policies (view_schema, view_name, max_staleness, declared_by)
  VALUES ($1, $2, make_interval(secs => $3::float8 / 1000), $4)
  ON CONFLICT (view_schema, view_name) DO UPDATE SET max_staleness = EXCLUDED.max_staleness,
    declared_by = EXCLUDED.declared_by, updated_at = now()`;

const SUMMARIES = `WITH views AS (
  SELECT view_schema, view_name FROM schemashift.view_refreshes
  UNION SELECT view_schema, view_name FROM schemashift.view_policies)
SELECT v.view_schema, v.view_name, l.started_at, l.finished_at, l.duration_ms, l.rows, l.mode, l.outcome, l.error,
  l.source, l.actor, ok.at AS last_ok_at,
  extract(epoch FROM clock_timestamp() - ok.at)::float8 AS age_seconds,
  extract(epoch FROM p.max_staleness)::float8 AS max_staleness_seconds, p.declared_by
FROM views v
LEFT JOIN LATERAL (SELECT * FROM schemashift.view_refreshes r
  WHERE r.view_schema = v.view_schema AND r.view_name = v.view_name ORDER BY r.id DESC LIMIT 1) l ON true
LEFT JOIN LATERAL (SELECT coalesce(r.finished_at, r.started_at) AS at FROM schemashift.view_refreshes r
  WHERE r.view_schema = v.view_schema AND r.view_name = v.view_name AND r.outcome = 'ok'
  ORDER BY r.id DESC LIMIT 1) ok ON true
LEFT JOIN schemashift.view_policies p ON p.view_schema = v.view_schema AND p.view_name = v.view_name
ORDER BY v.view_schema, v.view_name`;

interface SummaryRow {
  view_schema: string;
  view_name: string;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: string | number | null;
  rows: string | number | null;
  mode: 'concurrently' | 'blocking' | null;
  outcome: 'ok' | 'failed' | null;
  error: string | null;
  source: string | null;
  actor: string | null;
  last_ok_at: Date | null;
  age_seconds: number | null;
  max_staleness_seconds: number | null;
  declared_by: string | null;
}

const numberOrNull = (v: string | number | null): number | null => (v === null ? null : Number(v));

function lastOf(r: SummaryRow): ViewRefreshRecord | null {
  if (r.started_at === null || r.mode === null || r.outcome === null || r.source === null) return null;
  return {
    viewSchema: r.view_schema,
    viewName: r.view_name,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: numberOrNull(r.duration_ms),
    rows: numberOrNull(r.rows),
    mode: r.mode,
    outcome: r.outcome,
    error: r.error,
    source: r.source,
    actor: r.actor,
  };
}

export class PostgresViewRefreshStore implements ViewRefreshStore {
  constructor(private readonly db: Queryable) {}

  async exists(): Promise<boolean> {
    const sql =
      "SELECT to_regclass('schemashift.view_refreshes') IS NOT NULL AND " +
      "to_regclass('schemashift.view_policies') IS NOT NULL AS ok";
    return (await this.db.query<{ ok: boolean }>(sql)).rows[0]?.ok === true;
  }

  async record(r: ViewRefreshRecord, keep: number): Promise<void> {
    await this.db.query(INSERT_REFRESH, [
      r.viewSchema,
      r.viewName,
      r.startedAt,
      r.finishedAt,
      r.durationMs,
      r.rows,
      r.mode,
      r.outcome,
      r.error,
      r.source,
      r.actor,
    ]);
    await this.db.query(PRUNE_REFRESHES, [r.viewSchema, r.viewName, keep]);
  }

  async setMaxStaleness(viewSchema: string, viewName: string, maxStalenessMs: number, by: string): Promise<void> {
    await this.db.query(UPSERT_POLICY, [viewSchema, viewName, maxStalenessMs, by]);
  }

  async summaries(): Promise<ViewRefreshSummary[]> {
    const { rows } = await this.db.query<SummaryRow>(SUMMARIES);
    return rows.map((r) => ({
      viewSchema: r.view_schema,
      viewName: r.view_name,
      last: lastOf(r),
      lastOkAt: r.last_ok_at,
      ageSeconds: r.age_seconds,
      maxStalenessSeconds: r.max_staleness_seconds,
      declaredBy: r.declared_by,
    }));
  }
}
