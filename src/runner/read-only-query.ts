/**
 * Queries from a plan that are meant to read (a `check`, a rollout guard, a backfill throttle) run
 * in a READ ONLY transaction that always ends with ROLLBACK, so that one that writes after all
 * (through a function it calls, say) fails instead of changing data, and a setting it changes
 * (set_config(…, false) included) is undone. The loader already refuses writing statements; this
 * holds for what the parser cannot see.
 *
 * They never run on the runner's own session where another backend exists: session advisory locks
 * are not transactional, so a query calling pg_advisory_unlock_all() there would release the plan
 * lock. On pg a pooled backend is used and reset (DISCARD ALL) when it goes back. PGlite has one
 * backend, the runner's: there the advisory locks it holds are compared before and after, and a
 * query that changed them fails the step.
 */
import type { Connection, QueryResult, Queryable, Session } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { TransactionSql } from '../dialects/session.js';
import { DatabaseError } from '../errors.js';

/** Where a read-only query may run: the connection, and the runner's session (used only on PGlite). */
export interface ReadOnlyTarget {
  conn: Connection;
  session?: Session;
  dialect: Pick<Dialect, 'session' | 'runnerLock' | 'errors'>;
}

async function inReadOnlyTransaction<R>(tx: TransactionSql, db: Queryable, sql: string): Promise<QueryResult<R>> {
  await db.exec(tx.beginReadOnly);
  try {
    return await db.query<R>(sql);
  } finally {
    await db.exec(tx.rollback).catch(() => undefined);
  }
}

interface HeldLock {
  key: string;
  planLock: boolean;
}

async function runnerLocksHeld(target: ReadOnlyTarget, db: Queryable): Promise<HeldLock[]> {
  const { sql, params } = target.dialect.runnerLock.heldBySession();
  const { rows } = await db.query<{ key: string; plan_lock: boolean }>(sql, params);
  return rows.map((r) => ({ key: r.key, planLock: r.plan_lock }));
}

function lockChange(before: HeldLock[], after: HeldLock[]): string | undefined {
  const keys = (list: HeldLock[]) => new Set(list.map((l) => l.key));
  const released = before.filter((l) => !keys(after).has(l.key));
  const taken = after.filter((l) => !keys(before).has(l.key));
  if (released.some((l) => l.planLock))
    return "released the runner's plan lock (another runner could now start on this plan)";
  if (released.length > 0) return `released ${released.length} advisory lock(s) the runner held`;
  if (taken.length > 0) return `took ${taken.length} session advisory lock(s) that would outlive it`;
  return undefined;
}

/** PGlite: the runner's one backend, its advisory locks checked to be as they were. */
async function onTheOnlyBackend<R>(
  target: ReadOnlyTarget,
  db: Queryable,
  sql: string,
  what: string,
): Promise<QueryResult<R>> {
  const before = await runnerLocksHeld(target, db);
  let result: QueryResult<R> | undefined;
  let failure: { error: unknown } | undefined;
  try {
    result = await inReadOnlyTransaction<R>(target.dialect.session.transaction, db, sql);
  } catch (e) {
    failure = { error: e };
  }
  const change = lockChange(before, await runnerLocksHeld(target, db));
  if (change) {
    throw new DatabaseError(
      `${what} ${change}; the step fails here`,
      'a check, guard or throttle query may only read: remove the advisory lock call (or the function making ' +
        'it) from the query, and run again',
    );
  }
  if (failure) throw failure.error;
  return result as QueryResult<R>;
}

/**
 * `sql` in its own READ ONLY transaction, rolled back: on a pooled backend of its own (pg), or on
 * the runner's session where there is only one backend (PGlite). `what` names the query in the error
 * when it tries to write ("check orders:count").
 */
export async function readOnlyQuery<R = Record<string, unknown>>(
  target: ReadOnlyTarget,
  sql: string,
  what: string,
): Promise<QueryResult<R>> {
  const { conn } = target;
  const tx = target.dialect.session.transaction;
  try {
    return conn.kind === 'pglite'
      ? await onTheOnlyBackend<R>(target, target.session ?? conn, sql, what)
      : await conn.session((s) => inReadOnlyTransaction<R>(tx, s, sql));
  } catch (e) {
    if (target.dialect.errors.classify(e) !== 'readOnly') throw e;
    throw new DatabaseError(
      `${what} tried to write and was stopped (${(e as Error).message.split('\n')[0]}); nothing was changed`,
      'a check, guard or throttle query runs in a READ ONLY transaction and may only read: move the change ' +
        'into a `sql` step',
      (e as { code?: string }).code,
    );
  }
}
