/** What the SQL Server renderers need to know about the target beyond the plan. */
export interface MssqlDdlOptions {
  /** CREATE INDEX … WAIT_AT_LOW_PRIORITY exists from SQL Server 2022 (ALTER INDEX has it since 2014). */
  version: 2019 | 2022;
  /** MAX_DURATION of a resumable online index build: it pauses after this many minutes (rerun resumes it). */
  resumableMaxMinutes: number;
  /** How long an online build waits at low priority for its short S / Sch-M locks before giving up (SELF). */
  lowPriorityWaitMinutes: number;
}

export const DEFAULT_MSSQL_DDL_OPTIONS: MssqlDdlOptions = {
  version: 2019,
  resumableMaxMinutes: 240,
  lowPriorityWaitMinutes: 1,
};

/**
 * The editions with online index operations: EngineEdition 3 (Enterprise, Developer, Evaluation),
 * 5 (Azure SQL Database) and 8 (Managed Instance). `${ENGINE_EDITION} IN ${ONLINE_EDITIONS}`.
 */
export const ENGINE_EDITION = "CAST(SERVERPROPERTY('EngineEdition') AS int)";
export const ONLINE_EDITIONS = '(3, 5, 8)';
