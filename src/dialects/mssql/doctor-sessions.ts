/**
 * Sessions that would hold up a migration: long open transactions (an online index build waits
 * for them before its final Sch-M, DDL queues behind their locks, and under snapshot isolation they
 * pin the version store), sessions idle inside a transaction (SQL Server's "sleeping" with
 * open_transaction_count > 0), and blocking chains (the seed's sys.dm_exec_requests query). All
 * need VIEW SERVER STATE (VIEW SERVER PERFORMANCE STATE on 2022; VIEW DATABASE STATE on Azure SQL
 * Database); without it the check reports that it could not run.
 */
import { ageText, ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';
import { ACTIVITY_QUERY_READ_CHARS, SESSION_JOINS, sessionIds } from './activity-sessions.js';
import { activityQueryText } from '../../db/sql-secrets.js';
import { asMssqlServer, AZURE_SQL_DATABASE } from './doctor-capabilities.js';

/**
 * Without the permission, sys.dm_exec_sessions and sys.dm_exec_requests do not fail: they show only
 * the caller's own session, and "none" would be a false all-clear. So the permission is asked first
 * (on Azure SQL Database the database-level one).
 */
export function visibilitySql(engineEdition: number): string {
  return engineEdition === AZURE_SQL_DATABASE
    ? "SELECT CONVERT(bit, COALESCE(HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'VIEW DATABASE STATE'), 0)) AS ok"
    : "SELECT CONVERT(bit, COALESCE(HAS_PERMS_BY_NAME(NULL, NULL, N'VIEW SERVER STATE'), 0)) AS ok";
}

async function requireVisibility(ctx: DoctorContext): Promise<void> {
  const engineEdition = asMssqlServer(ctx.server).engineEdition;
  const { rows } = await ctx.db.query<{ ok: boolean }>(visibilitySql(engineEdition));
  if (rows[0]?.ok !== true) {
    const permission = engineEdition === AZURE_SQL_DATABASE ? 'VIEW DATABASE STATE' : 'VIEW SERVER STATE';
    throw new Error(`this login lacks ${permission}, so other sessions are hidden from it`);
  }
}

export interface SessionRow {
  session_id: number;
  login_name: string | null;
  host_name: string | null;
  program_name: string | null;
  status: string | null;
  open_transactions: number | null;
  xact_age: number | null;
  idle_age: number | null;
  query: string | null;
}

/** Who a session is, what it runs (or last ran), how long its transaction and its idleness have lasted. */
const SESSION_SELECT = `SELECT s.session_id AS session_id, s.login_name AS login_name, s.host_name AS host_name,
  s.program_name AS program_name, s.status AS status, s.open_transaction_count AS open_transactions,
  CONVERT(float, DATEDIFF_BIG(millisecond, x.began, SYSDATETIME())) / 1000 AS xact_age,
  CONVERT(float, DATEDIFF_BIG(millisecond, COALESCE(s.last_request_end_time, s.last_request_start_time),
    SYSDATETIME())) / 1000 AS idle_age,
  LEFT(LTRIM(REPLACE(REPLACE(REPLACE(COALESCE(t.text, N''), NCHAR(13), N' '), NCHAR(10), N' '), NCHAR(9), N' ')),
    ${ACTIVITY_QUERY_READ_CHARS}) AS query
FROM sys.dm_exec_sessions AS s
  ${SESSION_JOINS}`;

/** User sessions with an open transaction, in this database (or touching it), other than doctor's own. */
export const SESSIONS_SQL = `${SESSION_SELECT}
WHERE s.is_user_process = 1 AND s.session_id <> @@SPID AND x.began IS NOT NULL
  AND (s.database_id = DB_ID() OR EXISTS (SELECT 1 FROM sys.dm_tran_session_transactions AS st2
    JOIN sys.dm_tran_database_transactions AS dt ON dt.transaction_id = st2.transaction_id
    WHERE st2.session_id = s.session_id AND dt.database_id = DB_ID()))`;

/** `$1`: milliseconds. */
export const LONG_TRANSACTIONS_SQL = `${SESSIONS_SQL}
  AND DATEDIFF_BIG(millisecond, x.began, SYSDATETIME()) > $1
ORDER BY x.began`;

/** `$1`: milliseconds. A sleeping session with an open transaction is idle in it. */
export const IDLE_IN_TRANSACTION_SQL = `${SESSIONS_SQL}
  AND s.status = N'sleeping' AND s.open_transaction_count > 0
  AND DATEDIFF_BIG(millisecond, COALESCE(s.last_request_end_time, s.last_request_start_time), SYSDATETIME()) > $1
ORDER BY s.last_request_end_time`;

export function who(r: Pick<SessionRow, 'session_id' | 'login_name' | 'host_name' | 'program_name'>): string {
  const parts = [r.program_name || null, r.login_name, r.host_name].filter((p): p is string => !!p);
  return `session ${r.session_id}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function detail(r: SessionRow): Record<string, unknown> {
  return {
    session: r.session_id,
    login: r.login_name,
    host: r.host_name,
    program: r.program_name,
    status: r.status,
    openTransactions: r.open_transactions,
    transactionSeconds: r.xact_age === null ? null : Math.round(r.xact_age),
    idleSeconds: r.idle_age === null ? null : Math.round(r.idle_age),
    query: r.query,
  };
}

function listed<T>(rows: T[], line: (r: T) => string): string {
  const shown = rows.slice(0, 3).map(line).join('; ');
  return rows.length > 3 ? `${shown}; and ${rows.length - 3} more` : shown;
}

/** KILL ends the session and rolls back its transaction (which can itself take a while). */
export const killStatements = (ids: number[]): string =>
  ids
    .slice(0, 3)
    .map((id) => `KILL ${Math.trunc(id)};`)
    .join(' ');

export function longTransactionFinding(rows: SessionRow[], limitMs: number): DoctorFinding {
  const limit = ageText(limitMs / 1000);
  if (rows.length === 0) return ok(`none open longer than ${limit}`);
  return {
    status: 'fail',
    finding: `${rows.length} transaction(s) open longer than ${limit}: ${listed(
      rows,
      (r) => `${who(r)} ${r.status ?? 'unknown status'}, open ${ageText(r.xact_age ?? 0)}: ${r.query || '(no query)'}`,
    )}`,
    fix:
      'an online index build waits for them before it finishes, DDL queues behind their locks, and row versions ' +
      `they may still read pile up in tempdb: let them finish, or end them (${killStatements(
        rows.map((r) => r.session_id),
      )} rolls each back)`,
    details: rows.map(detail),
  };
}

export function idleInTransactionFinding(rows: SessionRow[], limitMs: number): DoctorFinding {
  const limit = ageText(limitMs / 1000);
  if (rows.length === 0) return ok(`no session idle in a transaction for longer than ${limit}`);
  return {
    status: 'fail',
    finding: `${rows.length} session(s) idle inside a transaction: ${listed(
      rows,
      (r) => `${who(r)} idle for ${ageText(r.idle_age ?? 0)}, last: ${r.query || '(no query)'}`,
    )}`,
    fix:
      'they keep their locks while doing nothing, so DDL and batches wait on them: end them ' +
      `(${killStatements(rows.map((r) => r.session_id))}), and find the code path that leaves a transaction open ` +
      '(a missing COMMIT, or SET IMPLICIT_TRANSACTIONS ON)',
    details: rows.map(detail),
  };
}

const SHOWN_CHARS = 100;

/** Other sessions' statements are read long, then masked (passwords) and cut, as PostgreSQL's are. */
function scrubbedSession(r: SessionRow): SessionRow {
  return { ...r, query: activityQueryText(r.query, SHOWN_CHARS) };
}

async function longTransactions(ctx: DoctorContext): Promise<DoctorFinding> {
  await requireVisibility(ctx);
  const limitMs = ctx.options.longTransactionMs;
  const { rows } = await ctx.db.query<SessionRow>(LONG_TRANSACTIONS_SQL, [limitMs]);
  return longTransactionFinding(rows.map(scrubbedSession), limitMs);
}

async function idleInTransaction(ctx: DoctorContext): Promise<DoctorFinding> {
  await requireVisibility(ctx);
  const limitMs = ctx.options.idleInTransactionMs;
  const { rows } = await ctx.db.query<SessionRow>(IDLE_IN_TRANSACTION_SQL, [limitMs]);
  return idleInTransactionFinding(rows.map(scrubbedSession), limitMs);
}

/** The seed's blocking query, in this database; OUTER APPLY keeps a request whose text is gone. */
export const BLOCKED_REQUESTS_SQL = `SELECT r.session_id AS session_id, r.blocking_session_id AS blocking_session_id,
  r.wait_type AS wait_type, r.wait_time / 1000.0 AS wait_seconds, r.status AS status, r.wait_resource AS wait_resource,
  SUBSTRING(t.text, 1, ${ACTIVITY_QUERY_READ_CHARS}) AS query_text
FROM sys.dm_exec_requests AS r
OUTER APPLY sys.dm_exec_sql_text(r.sql_handle) AS t
WHERE r.blocking_session_id > 0 AND r.database_id = DB_ID()
ORDER BY r.wait_time DESC`;

/** `$1`: the head blockers' session ids as a JSON array. */
export const HEAD_BLOCKERS_SQL = `${SESSION_SELECT}
WHERE s.session_id IN ${sessionIds('$1')}`;

export interface BlockedRow {
  session_id: number;
  blocking_session_id: number;
  wait_type: string | null;
  wait_seconds: number;
  status: string | null;
  wait_resource: string | null;
  query_text: string | null;
}

/** Sessions that block others and wait on no one: the heads of the chains. */
export function headBlockerIds(rows: BlockedRow[]): number[] {
  const blocked = new Set(rows.map((r) => r.session_id));
  return [...new Set(rows.map((r) => r.blocking_session_id).filter((id) => !blocked.has(id)))];
}

export function blockingFinding(blocked: BlockedRow[], heads: SessionRow[]): DoctorFinding {
  if (blocked.length === 0) return ok('no request is waiting on another session');
  const idleHeads = heads.filter((h) => h.status === 'sleeping' && (h.open_transactions ?? 0) > 0);
  const details = [
    ...heads.map((h) => ({ ...detail(h), role: 'head blocker' })),
    ...blocked.map((r) => ({
      session: r.session_id,
      blockedBy: r.blocking_session_id,
      waitType: r.wait_type,
      waitSeconds: r.wait_seconds,
      waitResource: r.wait_resource,
      query: r.query_text,
      role: 'blocked',
    })),
  ];
  return {
    status: idleHeads.length > 0 ? 'fail' : 'warn',
    finding:
      `${blocked.length} request(s) blocked, the longest for ${ageText(blocked[0]?.wait_seconds ?? 0)}; ` +
      `head blocker(s): ${listed(heads, (h) => `${who(h)} ${h.status ?? '?'}: ${h.query || '(no query)'}`)}`,
    fix:
      `a DDL step would join the end of these chains (schemashift's SET LOCK_TIMEOUT makes it give up and retry ` +
      `instead)${
        idleHeads.length > 0
          ? `; ${idleHeads.map((h) => `session ${h.session_id}`).join(', ')} hold(s) locks while idle in a transaction`
          : ''
      }: find why the head blockers hold their locks, or end them (${killStatements(heads.map((h) => h.session_id))})`,
    details,
  };
}

async function blockingChains(ctx: DoctorContext): Promise<DoctorFinding> {
  await requireVisibility(ctx);
  const { rows } = await ctx.db.query<BlockedRow>(BLOCKED_REQUESTS_SQL);
  if (rows.length === 0) return blockingFinding([], []);
  const blocked = rows.map((r) => ({ ...r, query_text: activityQueryText(r.query_text, SHOWN_CHARS) }));
  const ids = headBlockerIds(blocked);
  const { rows: heads } = await ctx.db.query<SessionRow>(HEAD_BLOCKERS_SQL, [JSON.stringify(ids)]);
  return blockingFinding(blocked, heads.map(scrubbedSession));
}

export const SESSION_CHECKS: DoctorCheck[] = [
  { id: 'long-transactions', title: 'long transactions', run: longTransactions },
  { id: 'idle-in-transaction', title: 'idle in transaction', run: idleInTransaction },
  { id: 'blocking-chains', title: 'blocking chains', run: blockingChains },
];
