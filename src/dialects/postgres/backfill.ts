import type { Queryable } from '../../db/connection.js';
import type { BackfillSql, TransactionSettings, TransactionSql } from '../backfill.js';
import { batchShape, batchStatements, remainingCountSql } from './backfill-batch.js';
import { postgresVerifyFindings } from './backfill-findings.js';
import { chunkFindings, chunkShape, fixSql, verifyStatements } from './backfill-verify.js';

/** `BEGIN` and the settings as SET LOCAL (ended with the transaction), in one script. */
function transaction(settings: TransactionSettings): TransactionSql {
  const set: string[] = [];
  if (settings.readOnly === true) set.push('SET TRANSACTION READ ONLY');
  const { lockTimeoutMs, statementTimeoutMs, durableCommit } = settings;
  if (lockTimeoutMs !== undefined) set.push(`SET LOCAL lock_timeout = '${lockTimeoutMs}ms'`);
  if (statementTimeoutMs !== undefined) set.push(`SET LOCAL statement_timeout = '${statementTimeoutMs}ms'`);
  if (durableCommit !== undefined) set.push(`SET LOCAL synchronous_commit = ${durableCommit ? 'on' : 'off'}`);
  return { begin: ['BEGIN', ...set].join('; '), commit: 'COMMIT', rollback: 'ROLLBACK' };
}

/** pg_class.reltuples: -1 for a table never vacuumed or analyzed. */
async function estimatedRows(db: Queryable, tableId: number): Promise<number> {
  const sql = 'SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = $1';
  const { rows } = await db.query<{ reltuples: number }>(sql, [tableId]);
  return Number(rows[0]?.reltuples ?? -1);
}

export const postgresBackfill: BackfillSql = {
  batchLockLevel: 'ROW EXCLUSIVE',
  chunkLockLevel: 'ACCESS SHARE',
  batchStatements,
  batchShape,
  remainingCount: remainingCountSql,
  estimatedRows,
  verifyStatements,
  chunkShape,
  chunkFindings,
  fixStatement: fixSql,
  transaction,
  findings: postgresVerifyFindings,
};
