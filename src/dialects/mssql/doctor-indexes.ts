/**
 * The seed's index diagnostics: fragmented indexes and indexes never used since the last restart.
 *
 * sys.dm_db_index_physical_stats reads the index itself, even in LIMITED mode (the pages above the
 * leaf level), and takes an IS lock on each table: so it is asked only about the largest indexes
 * (by sys.dm_db_partition_stats, which reads no data pages), never about the whole database.
 * https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-db-index-physical-stats-transact-sql
 *
 * sys.dm_db_index_usage_stats starts empty when the instance starts (and loses a database's rows
 * when it is detached or closed), so "never used" means "not since sqlserver_start_time": it is
 * reported only after enough uptime to have seen the whole workload (monthly jobs may still need one).
 * https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-db-index-usage-stats-transact-sql
 */
import { ageText, ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';
import { asMssqlServer, atLeast, hasEnterpriseFeatures, type MssqlServerInfo } from './doctor-capabilities.js';
import { ident } from './sql-names.js';

export const FRAGMENTATION_PERCENT = 30;
export const FRAGMENTATION_MIN_PAGES = 1000;
/** How many of the largest indexes are measured. */
export const FRAGMENTATION_LARGEST_INDEXES = 50;
/** Below this uptime no index is called unused. */
export const UNUSED_MIN_UPTIME_DAYS = 7;

/** `$1` how many of the largest indexes, `$2` minimum pages, `$3` minimum fragmentation percent. */
export const FRAGMENTED_INDEXES_SQL = `SELECT sc.name AS [schema], o.name AS [table], i.name AS [index], i.type_desc AS kind,
  CONVERT(float, ps.avg_fragmentation_in_percent) AS fragmentation, CONVERT(float, ps.page_count) AS pages,
  ps.partition_number AS partition_number
FROM (SELECT TOP ($1) p.object_id, p.index_id, SUM(p.used_page_count) AS pages
  FROM sys.dm_db_partition_stats AS p
  JOIN sys.objects AS ob ON ob.object_id = p.object_id
  WHERE ob.is_ms_shipped = 0 AND ob.type = N'U' AND p.index_id > 0
  GROUP BY p.object_id, p.index_id
  HAVING SUM(p.used_page_count) > $2
  ORDER BY SUM(p.used_page_count) DESC) AS big
JOIN sys.indexes AS i ON i.object_id = big.object_id AND i.index_id = big.index_id
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.schemas AS sc ON sc.schema_id = o.schema_id
CROSS APPLY sys.dm_db_index_physical_stats(DB_ID(), big.object_id, big.index_id, NULL, N'LIMITED') AS ps
WHERE i.type IN (1, 2) AND i.is_disabled = 0 AND i.is_hypothetical = 0
  AND ps.index_level = 0 AND ps.alloc_unit_type_desc = N'IN_ROW_DATA'
  AND ps.page_count > $2 AND ps.avg_fragmentation_in_percent > $3
ORDER BY ps.avg_fragmentation_in_percent DESC`;

export interface FragmentedRow {
  schema: string;
  table: string;
  index: string;
  kind: string;
  fragmentation: number;
  pages: number;
  partition_number: number;
}

/** How this server can defragment without blocking: see MSSQL_CAPABILITIES. */
export type DefragmentWay = 'resumable-rebuild' | 'online-rebuild' | 'reorganize';

export function defragmentWay(server: MssqlServerInfo): DefragmentWay {
  if (!hasEnterpriseFeatures(server)) return 'reorganize';
  return atLeast(server, 14) ? 'resumable-rebuild' : 'online-rebuild';
}

/** REBUILD online (resumable from 2017) where the edition allows; elsewhere REORGANIZE, which is always online. */
export function defragmentStatement(r: FragmentedRow, way: DefragmentWay): string {
  const target = `${ident(r.index)} ON ${ident(r.schema)}.${ident(r.table)}`;
  if (way === 'resumable-rebuild')
    return `ALTER INDEX ${target} REBUILD WITH (ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 60 MINUTES);`;
  if (way === 'online-rebuild') return `ALTER INDEX ${target} REBUILD WITH (ONLINE = ON);`;
  return `ALTER INDEX ${target} REORGANIZE;`;
}

export function fragmentationFinding(rows: FragmentedRow[], way: DefragmentWay): DoctorFinding {
  const scope = `the ${FRAGMENTATION_LARGEST_INDEXES} largest indexes over ${FRAGMENTATION_MIN_PAGES} pages`;
  if (rows.length === 0) return ok(`none over ${FRAGMENTATION_PERCENT}% fragmented among ${scope} (LIMITED scan)`);
  return {
    status: 'warn',
    finding:
      `${rows.length} index(es) over ${FRAGMENTATION_PERCENT}% fragmented among ${scope}: ` +
      rows
        .slice(0, 5)
        .map((r) => `${r.schema}.${r.table}.${r.index} ${Math.round(r.fragmentation)}% of ${r.pages} pages`)
        .join(', '),
    fix:
      `scans of them read more pages than they need; rebuild them outside the migration window, one at a time ` +
      `(${rows
        .slice(0, 3)
        .map((r) => defragmentStatement(r, way))
        .join(' ')})`,
    details: rows.map((r) => ({
      schema: r.schema,
      table: r.table,
      index: r.index,
      kind: r.kind,
      partition: r.partition_number,
      fragmentationPercent: r.fragmentation,
      pages: r.pages,
    })),
  };
}

export const UPTIME_SQL = `SELECT CONVERT(float, DATEDIFF_BIG(second, sqlserver_start_time, SYSDATETIME())) AS uptime_seconds,
  sqlserver_start_time AS started FROM sys.dm_os_sys_info`;

/**
 * Nonclustered rowstore indexes of user tables that no query has read since the instance started,
 * with what they cost (user_updates: each write maintains them). Unique indexes and those behind
 * a constraint are left out: they enforce something even when no query reads them.
 */
export const UNUSED_INDEXES_SQL = `SELECT TOP (50) sc.name AS [schema], o.name AS [table], i.name AS [index],
  CONVERT(float, COALESCE(us.user_updates, 0)) AS writes,
  CONVERT(float, (SELECT SUM(p.used_page_count) FROM sys.dm_db_partition_stats AS p
    WHERE p.object_id = i.object_id AND p.index_id = i.index_id)) AS pages
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.schemas AS sc ON sc.schema_id = o.schema_id
LEFT JOIN sys.dm_db_index_usage_stats AS us
  ON us.database_id = DB_ID() AND us.object_id = i.object_id AND us.index_id = i.index_id
WHERE o.type = N'U' AND o.is_ms_shipped = 0 AND i.type = 2 AND i.is_unique = 0 AND i.is_primary_key = 0
  AND i.is_unique_constraint = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0
  AND COALESCE(us.user_seeks, 0) + COALESCE(us.user_scans, 0) + COALESCE(us.user_lookups, 0) = 0
ORDER BY COALESCE(us.user_updates, 0) DESC, sc.name, o.name, i.name`;

export interface UnusedRow {
  schema: string;
  table: string;
  index: string;
  writes: number;
  pages: number | null;
}

export function unusedIndexesFinding(uptimeSeconds: number, rows: UnusedRow[]): DoctorFinding {
  const uptime = ageText(uptimeSeconds);
  if (uptimeSeconds < UNUSED_MIN_UPTIME_DAYS * 86_400) {
    return ok(
      `not judged: the instance started ${uptime} ago and usage counters start empty at each start ` +
        `(${UNUSED_MIN_UPTIME_DAYS} days needed)`,
    );
  }
  if (rows.length === 0) return ok(`every nonclustered index was read since the instance started ${uptime} ago`);
  return {
    status: 'warn',
    finding:
      `${rows.length} nonclustered index(es) not read by any query since the instance started ${uptime} ago: ` +
      rows
        .slice(0, 5)
        .map((r) => `${r.schema}.${r.table}.${r.index} (${r.writes} writes maintained it)`)
        .join(', '),
    fix:
      'every insert, update and delete (and every backfill batch) maintains them for nothing: check for workloads ' +
      'rarer than the uptime (month-end reports), then drop them in a plan (drop_index)',
    details: rows.map((r) => ({ schema: r.schema, table: r.table, index: r.index, writes: r.writes, pages: r.pages })),
  };
}

async function fragmentedIndexes(ctx: DoctorContext): Promise<DoctorFinding> {
  const { rows } = await ctx.db.query<FragmentedRow>(FRAGMENTED_INDEXES_SQL, [
    FRAGMENTATION_LARGEST_INDEXES,
    FRAGMENTATION_MIN_PAGES,
    FRAGMENTATION_PERCENT,
  ]);
  return fragmentationFinding(rows, defragmentWay(asMssqlServer(ctx.server)));
}

async function unusedIndexes(ctx: DoctorContext): Promise<DoctorFinding> {
  const { rows: uptime } = await ctx.db.query<{ uptime_seconds: number }>(UPTIME_SQL);
  const seconds = uptime[0]?.uptime_seconds ?? 0;
  if (seconds < UNUSED_MIN_UPTIME_DAYS * 86_400) return unusedIndexesFinding(seconds, []);
  const { rows } = await ctx.db.query<UnusedRow>(UNUSED_INDEXES_SQL);
  return unusedIndexesFinding(seconds, rows);
}

export const INDEX_CHECKS: DoctorCheck[] = [
  { id: 'fragmented-indexes', title: 'fragmented indexes', run: fragmentedIndexes },
  { id: 'unused-indexes', title: 'unused indexes', run: unusedIndexes },
];
