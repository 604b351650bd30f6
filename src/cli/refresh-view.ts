/**
 * One refresh of one materialized view on a dedicated session:
 * - the view's advisory lock is tried, never waited for: when another refresh holds it, the result
 *   is `locked` and names that session;
 * - the refresh runs under lock_timeout and statement_timeout; a lost lock wait is retried with the
 *   runner's backoff (exponential, with jitter) up to lock_retries, each retry naming the blockers
 *   (the runner's watch: seen while waiting, or looked up when the wait ended);
 * - the refresh is recorded in schemashift.view_refreshes, ok or failed, with its rows: an exact
 *   count(*) read after the refresh committed (ACCESS SHARE only, so readers and the next refresh are
 *   not held up; one scan of the freshly built view, under the same statement_timeout; null when it
 *   could not be read). pg_class.reltuples is not updated by REFRESH, so it is not used.
 */
import type { Queryable, Session } from '../db/connection.js';
import { activityQueryText } from '../db/sql-secrets.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ViewRefreshStore } from '../dialects/state.js';
import type { ViewRefreshSql } from '../dialects/view-refresh.js';
import { DatabaseError } from '../errors.js';
import { LockWaitError, watchLockWait, type LockWatch } from '../runner/blockers.js';
import { blockersText, describeBlocker } from '../runner/events.js';
import { lockWaitReason } from '../runner/lock-retry.js';
import { REFRESHES_KEPT } from '../runner/record-view-refresh.js';
import { backoffMs, sleep } from '../runner/sleep.js';
import type { RefreshSettings } from './refresh-options.js';
import type { ResolvedView } from './refresh-resolve.js';

export { REFRESHES_KEPT };

export interface RefreshHolder {
  pid: number;
  user: string | null;
  client: string | null;
  application: string | null;
  since: Date | null;
  state: string | null;
  query: string | null;
}

export interface RefreshResult {
  view: string;
  mode: 'concurrently' | 'blocking';
  outcome: 'ok' | 'failed' | 'locked';
  startedAt?: Date;
  finishedAt?: Date;
  durationMs?: number;
  rows?: number | null;
  error?: string;
  /** The session refreshing the view already (outcome `locked`); null when it ended before it could be named. */
  holder?: RefreshHolder | null;
  /** Why `auto` chose a blocking refresh. */
  blockingReason?: string;
}

export interface RefreshContext {
  session: Session;
  /** A second connection that names the blockers while the refresh waits; null where there is none (PGlite). */
  monitor: Queryable | null;
  dialect: Dialect;
  sql: ViewRefreshSql;
  store: ViewRefreshStore;
  settings: RefreshSettings;
  actor: string;
  /** Where retries and lock waits are told (stderr). */
  say: (line: string) => void;
  signal: AbortSignal;
}

async function serverNow(ctx: RefreshContext): Promise<Date> {
  const { rows } = await ctx.session.query<{ now: Date }>(ctx.sql.serverTime);
  return new Date(rows[0]?.now ?? Date.now());
}

async function findHolder(ctx: RefreshContext, view: ResolvedView): Promise<RefreshHolder | null> {
  const { sql, params } = ctx.sql.holder(view.lockKey);
  const row = (await ctx.session.query<RefreshHolder & { application_name: string | null }>(sql, params)).rows[0];
  if (!row) return null;
  const { application_name, ...rest } = row;
  return { ...rest, query: activityQueryText(rest.query), application: application_name || null };
}

function lockWatch(ctx: RefreshContext, view: ResolvedView, pid: number | null): LockWatch {
  return {
    db: ctx.monitor,
    dialect: ctx.dialect,
    pid,
    lockTimeoutMs: ctx.settings.lockTimeoutMs,
    target: { relations: [view.qualified], level: ctx.sql.lockLevel(view.concurrently), ownPids: pid ? [pid] : [] },
    report: (blockers) =>
      ctx.say(`${view.display}: waiting for a lock held by ${blockers.map(describeBlocker).join('; ')}`),
  };
}

/** REFRESH under lock_timeout, retried with backoff after a lost lock wait; the last lost wait is thrown. */
async function refreshWithRetries(ctx: RefreshContext, view: ResolvedView): Promise<void> {
  const { lockTimeoutMs, lockRetries } = ctx.settings;
  const pid = await ctx.session.backendPid();
  const statement = ctx.sql.refresh(view.qualified, view.concurrently);
  for (let n = 1; ; n++) {
    try {
      await watchLockWait(lockWatch(ctx, view, pid), () => ctx.session.exec(statement));
      return;
    } catch (e) {
      if (!(e instanceof LockWaitError)) throw e;
      const reason = `${lockWaitReason(e, lockTimeoutMs)}; ${blockersText(e.blockers)}`;
      if (n > lockRetries || ctx.signal.aborted)
        throw new DatabaseError(`${reason} (${n} attempt${n === 1 ? '' : 's'})`, undefined, e.code);
      const delayMs = backoffMs(n);
      ctx.say(`${view.display}: ${reason}; retry ${n}/${lockRetries} in ${delayMs}ms`);
      await sleep(delayMs, ctx.signal);
    }
  }
}

async function countRows(ctx: RefreshContext, view: ResolvedView): Promise<number | null> {
  try {
    const { rows } = await ctx.session.query<{ n: string | number }>(ctx.sql.countRows(view.qualified));
    return rows[0] === undefined ? null : Number(rows[0].n);
  } catch (e) {
    if (e instanceof DatabaseError && e.exitCode === 4) throw e;
    ctx.say(`${view.display}: refreshed, but its rows could not be counted: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

async function refreshLocked(ctx: RefreshContext, view: ResolvedView): Promise<RefreshResult> {
  const mode = view.concurrently ? 'concurrently' : 'blocking';
  const { lockTimeoutMs, statementTimeoutMs } = ctx.settings;
  await ctx.session.exec(ctx.dialect.session.settings({ lockTimeoutMs, statementTimeoutMs }, 'session'));
  const startedAt = await serverNow(ctx);
  let error: string | undefined;
  try {
    await refreshWithRetries(ctx, view);
  } catch (e) {
    if (!(e instanceof DatabaseError) || e.exitCode === 4) throw e;
    error = e.message;
  }
  const finishedAt = await serverNow(ctx);
  const rows = error === undefined ? await countRows(ctx, view) : null;
  const durationMs = Math.max(0, finishedAt.getTime() - startedAt.getTime());
  const outcome = error === undefined ? 'ok' : 'failed';
  await ctx.store.record(
    {
      viewSchema: view.schema,
      viewName: view.name,
      startedAt,
      finishedAt,
      durationMs,
      rows,
      mode,
      outcome,
      error: error ?? null,
      source: 'cli',
      actor: ctx.actor,
    },
    REFRESHES_KEPT,
  );
  const why = view.blockingReason ? { blockingReason: view.blockingReason } : {};
  return {
    view: view.display,
    mode,
    outcome,
    startedAt,
    finishedAt,
    durationMs,
    rows,
    ...why,
    ...(error ? { error } : {}),
  };
}

/** Refresh `view` unless another session is refreshing it; the lock is released before returning. */
export async function refreshView(ctx: RefreshContext, view: ResolvedView): Promise<RefreshResult> {
  const tryLock = ctx.sql.tryLock(view.lockKey);
  const { rows } = await ctx.session.query<{ ok: boolean }>(tryLock.sql, tryLock.params);
  if (rows[0]?.ok !== true) {
    const mode = view.concurrently ? 'concurrently' : 'blocking';
    return { view: view.display, mode, outcome: 'locked', holder: await findHolder(ctx, view) };
  }
  try {
    return await refreshLocked(ctx, view);
  } finally {
    const unlock = ctx.sql.unlock(view.lockKey);
    await ctx.session.query(unlock.sql, unlock.params).catch(() => undefined);
  }
}
