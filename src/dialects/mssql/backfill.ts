/**
 * SQL Server's backfill part: the batches' statements (backfill-batch.ts), a verify's chunks
 * (backfill-verify.ts: the sample comes back as FOR JSON text, which `chunkFindings` decodes), its
 * findings in the state schema (backfill-findings.ts), and the walk's short transactions.
 */
import type { Queryable } from '../../db/connection.js';
import type { BackfillSql, TransactionSettings, TransactionSql } from '../backfill.js';
import { batchShape, batchStatements, remainingCountSql } from './backfill-batch.js';
import { mssqlVerifyFindings } from './backfill-findings.js';
import { chunkFindings, chunkShape, fixSql, verifyStatements } from './backfill-verify.js';

/**
 * Rows per batch by default: under the 5,000 locks one statement takes on one table before SQL
 * Server tries to escalate them to a table lock (which would block every other writer).
 * https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide#lock-escalation
 */
export const MSSQL_DEFAULT_BATCH_SIZE = 4000;

/**
 * XACT_ABORT ON rolls the whole transaction back on any error (a lock timeout, 1222, otherwise ends
 * only the statement), so the rollback script may find none open. SET LOCK_TIMEOUT lasts for the
 * session, not the transaction: the runner's sessions are its own. SQL Server has neither read-only
 * transactions nor a server-side statement time limit (that is the driver's request timeout), so
 * `readOnly` and `statementTimeoutMs` write nothing here. COMMIT … WITH (DELAYED_DURABILITY = ON)
 * takes effect only where the database's DELAYED_DURABILITY is ALLOWED (DISABLED: every commit is
 * durable; FORCED: none is, whatever the commit says).
 * https://learn.microsoft.com/sql/relational-databases/logs/control-transaction-durability
 */
export function transaction(settings: TransactionSettings): TransactionSql {
  const set = ['SET XACT_ABORT ON'];
  if (settings.lockTimeoutMs !== undefined) {
    // 0 means no limit, as PostgreSQL's lock_timeout (SQL Server's own 0 would mean "never wait").
    const ms = Math.max(0, Math.trunc(settings.lockTimeoutMs));
    set.push(`SET LOCK_TIMEOUT ${ms === 0 ? -1 : ms}`);
  }
  const durability =
    settings.durableCommit === undefined ? '' : ` WITH (DELAYED_DURABILITY = ${settings.durableCommit ? 'OFF' : 'ON'})`;
  return {
    begin: [...set, 'BEGIN TRANSACTION'].join('; '),
    commit: `COMMIT TRANSACTION${durability}`,
    rollback: 'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION',
  };
}

/** sys.partitions.rows of the heap or clustered index (approximate, as the docs say); -1 when the table has none. */
export async function estimatedRows(db: Queryable, tableId: number): Promise<number> {
  const sql =
    'SELECT CONVERT(float, SUM(p.rows)) AS n FROM sys.partitions AS p WHERE p.object_id = $1 AND p.index_id IN (0, 1)';
  const { rows } = await db.query<{ n: number | null }>(sql, [tableId]);
  return Number(rows[0]?.n ?? -1);
}

export const mssqlBackfill: BackfillSql = {
  // SQL Server's own modes: a batch takes IX on the table and X on the rows and keys it changes; a
  // chunk IS on the table and S on the rows it reads.
  batchLockLevel: 'IX',
  chunkLockLevel: 'IS',
  batchStatements,
  batchShape,
  remainingCount: remainingCountSql,
  estimatedRows,
  verifyStatements,
  chunkShape,
  chunkFindings,
  fixStatement: fixSql,
  transaction,
  findings: mssqlVerifyFindings,
};

/** The name the batches part had before verify was written (kept for the files that import it). */
export const mssqlBackfillBatches: BackfillSql = mssqlBackfill;
