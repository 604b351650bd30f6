/**
 * Queries from a plan that are meant to read (a `check`, a rollout guard, a backfill throttle) run
 * in a READ ONLY transaction, so that one that writes after all (through a function it calls, say)
 * fails instead of changing data. The loader already refuses writing statements; this holds for
 * what the parser cannot see.
 */
import type { Connection, QueryResult, Queryable } from '../db/connection.js';
import { DatabaseError } from '../errors.js';

/** SQLSTATE read_only_sql_transaction: the query tried to write. */
const READ_ONLY_VIOLATION = '25006';

function isPooled(db: Queryable): db is Connection {
  return 'session' in db && (db as Connection).kind !== 'pglite';
}

async function inReadOnlyTransaction<R>(db: Queryable, sql: string): Promise<QueryResult<R>> {
  await db.exec('BEGIN TRANSACTION READ ONLY');
  try {
    const result = await db.query<R>(sql);
    await db.exec('COMMIT');
    return result;
  } catch (e) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * `sql` in its own READ ONLY transaction. `db` is a session not in a transaction, or a connection:
 * a pool gives the transaction one backend of its own (PGlite has one backend, used as is).
 * `what` names the query in the error when it tries to write ("check orders:count").
 */
export async function readOnlyQuery<R = Record<string, unknown>>(db: Queryable, sql: string, what: string): Promise<QueryResult<R>> {
  try {
    return isPooled(db) ? await db.session((s) => inReadOnlyTransaction<R>(s, sql)) : await inReadOnlyTransaction<R>(db, sql);
  } catch (e) {
    if ((e as { code?: unknown }).code !== READ_ONLY_VIOLATION) throw e;
    throw new DatabaseError(
      `${what} tried to write and was stopped (${(e as Error).message.split('\n')[0]}); nothing was changed`,
      'a check, guard or throttle query runs in a READ ONLY transaction and may only read: move the change into a `sql` step',
      READ_ONLY_VIOLATION,
    );
  }
}
