/** What `schemashift test` asks of SQL Server besides the runner's own work. */
import type { RehearsalSql } from '../rehearsal.js';
import { scratchDatabases } from './rehearse-scratch.js';
import { takeCatalogSnapshot } from './rehearse-snapshot.js';

/** `where` is a plan fragment the dialect parser checked at validate time; spliced in parentheses. */
export const countRowsSql = (qualifiedTable: string, where: string | undefined): string =>
  `SELECT COUNT_BIG(*) AS n FROM ${qualifiedTable}${where ? ` WHERE (${where})` : ''}`;

export const ROWS_DONE_SQL = 'SELECT rows_done AS n FROM schemashift.steps WHERE plan_name = $1 AND step_id = $2';

export const mssqlRehearsal: RehearsalSql = {
  readSource() {
    throw new Error(
      '--schema-from: only PostgreSQL structures can be read; rehearse a SQL Server plan with --seed seed.sql ' +
        '(`schemashift test` refuses --schema-from for it before this)',
    );
  },
  snapshot: takeCatalogSnapshot,
  scratchDatabases,
  async countRows(db, qualifiedTable, where) {
    const { rows } = await db.query<{ n: string | number }>(countRowsSql(qualifiedTable, where));
    return Number(rows[0]?.n ?? 0);
  },
  async rowsDone(db, planName, stepId) {
    const { rows } = await db.query<{ n: string | number }>(ROWS_DONE_SQL, [planName, stepId]);
    return Number(rows[0]?.n ?? 0);
  },
};
