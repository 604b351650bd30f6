/**
 * Resumable index operations left paused (SQL Server 2017+), the counterpart of PostgreSQL's
 * invalid indexes: an online resumable build interrupted (MAX_DURATION reached, PAUSE, a failover,
 * a killed runner) waits in sys.index_resumable_operations until someone resumes or aborts it.
 * https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-index-resumable-operations
 */
import { ageText, ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';
import { asMssqlServer, atLeast } from './doctor-capabilities.js';
import { ident } from './sql-names.js';

export const RESUMABLE_OPERATIONS_SQL = `SELECT OBJECT_SCHEMA_NAME(iro.object_id) AS [schema], OBJECT_NAME(iro.object_id) AS [table],
  iro.name AS [index], iro.state_desc AS state, CONVERT(float, iro.percent_complete) AS percent_complete,
  CONVERT(float, DATEDIFF_BIG(second, COALESCE(iro.last_pause_time, iro.start_time), GETDATE())) AS paused_seconds
FROM sys.index_resumable_operations AS iro
ORDER BY 1, 2, 3`;

export interface ResumableRow {
  schema: string;
  table: string;
  index: string;
  /** RUNNING or PAUSED. */
  state: string;
  percent_complete: number;
  paused_seconds: number;
}

const target = (r: ResumableRow) => `${ident(r.index)} ON ${ident(r.schema)}.${ident(r.table)}`;

export function resumableFinding(rows: ResumableRow[]): DoctorFinding {
  const details = rows.map((r) => ({
    schema: r.schema,
    table: r.table,
    index: r.index,
    state: r.state,
    percentComplete: r.percent_complete,
  }));
  const paused = rows.filter((r) => r.state === 'PAUSED');
  if (paused.length === 0)
    return ok(rows.length ? `${rows.length} resumable index build(s) running, none paused` : 'none', details);
  return {
    status: 'warn',
    finding: `${paused.length} paused resumable index build(s): ${paused
      .slice(0, 5)
      .map(
        (r) =>
          `${r.schema}.${r.table}.${r.index} at ${Math.round(r.percent_complete)}% (paused ${ageText(r.paused_seconds)})`,
      )
      .join(', ')}`,
    fix:
      `a paused build keeps its partial index until it is resumed or aborted, and the index cannot be built ` +
      `again meanwhile: ${paused
        .slice(0, 3)
        .map((r) => `ALTER INDEX ${target(r)} RESUME; (or ABORT;)`)
        .join(' ')} (a plan's create_index step resumes its own build when it runs again)`,
    details,
  };
}

async function pausedBuilds(ctx: DoctorContext): Promise<DoctorFinding> {
  if (!atLeast(asMssqlServer(ctx.server), 14)) return ok('no resumable index operations before SQL Server 2017');
  const { rows } = await ctx.db.query<ResumableRow>(RESUMABLE_OPERATIONS_SQL);
  return resumableFinding(rows);
}

export const RESUMABLE_CHECK: DoctorCheck = {
  id: 'paused-index-builds',
  title: 'paused index builds',
  run: pausedBuilds,
};
