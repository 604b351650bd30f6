/**
 * Sessions that would hold up a migration: old transactions (CREATE INDEX CONCURRENTLY and
 * VALIDATE wait for every older snapshot; DDL queues behind their locks), sessions idle inside a
 * transaction, and prepared transactions (locks held until someone commits or rolls them back).
 */
import { activityQueryText } from '../../db/sql-secrets.js';
import { ACTIVITY_QUERY_READ_CHARS } from './activity-columns.js';
import { ageText, ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';

interface SessionRow {
  pid: number;
  usename: string | null;
  application_name: string | null;
  client: string | null;
  state: string | null;
  xact_age: number;
  state_age: number;
  query: string | null;
}

const SESSIONS_SQL =
  `SELECT pid, usename::text AS usename, application_name, host(client_addr) AS client, state,
  extract(epoch FROM clock_timestamp() - xact_start)::float8 AS xact_age, extract(epoch FROM clock_timestamp() ` +
  `- state_change)::float8 AS state_age,
  left(query, ${ACTIVITY_QUERY_READ_CHARS}) AS query
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND ` +
  `xact_start IS NOT NULL`;

/** Other sessions' statements are shown and put in --json only with their secrets scrubbed. */
async function sessions(ctx: DoctorContext, sql: string, params: unknown[]): Promise<SessionRow[]> {
  const { rows } = await ctx.db.query<SessionRow>(sql, params);
  return rows.map((r) => ({ ...r, query: activityQueryText(r.query, 100).replace(/\s*;$/, '') }));
}

function who(r: SessionRow): string {
  const parts = [r.application_name || null, r.usename, r.client].filter((p): p is string => !!p);
  return `pid ${r.pid}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function detail(r: SessionRow): Record<string, unknown> {
  return {
    pid: r.pid,
    user: r.usename,
    application: r.application_name || null,
    client: r.client,
    state: r.state,
    transactionSeconds: Math.round(r.xact_age),
    stateSeconds: Math.round(r.state_age),
    query: r.query,
  };
}

function listed(rows: SessionRow[], line: (r: SessionRow) => string): string {
  const shown = rows.slice(0, 3).map(line).join('; ');
  return rows.length > 3 ? `${shown}; and ${rows.length - 3} more` : shown;
}

const terminate = (rows: SessionRow[]) =>
  rows
    .slice(0, 3)
    .map((r) => `SELECT pg_terminate_backend(${r.pid});`)
    .join(' ');

/** Sessions of other roles show no state without pg_read_all_stats: say so rather than report "none". */
async function hiddenSessions(ctx: DoctorContext): Promise<number> {
  const { rows } = await ctx.db.query<{ hidden: number | string }>(
    `SELECT count(*) FILTER (WHERE state IS NULL) AS hidden FROM pg_stat_activity WHERE datname = ` +
      `current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  );
  return Number(rows[0]?.hidden ?? 0);
}

async function longTransactions(ctx: DoctorContext): Promise<DoctorFinding> {
  const limit = ctx.options.longTransactionMs / 1000;
  const rows = await sessions(
    ctx,
    `${SESSIONS_SQL} AND clock_timestamp() - xact_start > make_interval(secs => $1) ORDER BY xact_start`,
    [limit],
  );
  if (rows.length > 0) {
    return {
      status: 'fail',
      finding:
        `${rows.length} transaction(s) open longer ` +
        `than ${ageText(limit)}: ${listed(
          rows,
          (r) =>
            `${who(r)} ${r.state ?? 'unknown state'} ` +
            `for ${ageText(r.state_age)}, open ${ageText(r.xact_age)}: ${r.query || '(no query)'}`,
        )}`,
      fix:
        `CREATE INDEX CONCURRENTLY and VALIDATE wait until these end, and DDL queues behind their locks: let ` +
        `them finish, or end them (${terminate(rows)})`,
      details: rows.map(detail),
    };
  }
  const hidden = await hiddenSessions(ctx);
  if (hidden > 0) {
    return {
      status: 'warn',
      finding: `none visible, but ${hidden} session(s) of other roles are hidden from this role`,
      fix: 'run doctor as a role with pg_read_all_stats (GRANT pg_read_all_stats TO <role>) to see every session',
      details: [],
    };
  }
  return ok(`none open longer than ${ageText(limit)}`);
}

async function idleInTransaction(ctx: DoctorContext): Promise<DoctorFinding> {
  const limit = ctx.options.idleInTransactionMs / 1000;
  const rows = await sessions(
    ctx,
    `${SESSIONS_SQL} AND state IN ('idle in transaction', 'idle in transaction (aborted)') AND ` +
      `clock_timestamp() - state_change > make_interval(secs => $1) ORDER BY state_change`,
    [limit],
  );
  if (rows.length === 0) return ok(`no session idle in a transaction for longer than ${ageText(limit)}`);
  return {
    status: 'fail',
    finding: `${rows.length} session(s) idle inside a transaction: ${listed(
      rows,
      (r) => `${who(r)} idle for ${ageText(r.state_age)}, last: ${r.query || '(no query)'}`,
    )}`,
    fix:
      `they keep their locks and snapshot while doing nothing, so DDL and index builds wait on them: end ` +
      `them (${terminate(rows)}), and stop it recurring with ALTER ROLE <app role> SET ` +
      `idle_in_transaction_session_timeout = '1min'`,
    details: rows.map(detail),
  };
}

interface PreparedRow {
  gid: string;
  owner: string | null;
  database: string | null;
  age: number;
}

async function preparedTransactions(ctx: DoctorContext): Promise<DoctorFinding> {
  const { rows: setting } = await ctx.db.query<{ max: number | string }>(
    `SELECT current_setting('max_prepared_transactions')::int AS max`,
  );
  const max = Number(setting[0]?.max ?? 0);
  if (max === 0) return ok('none possible (max_prepared_transactions = 0)');
  const { rows } = await ctx.db.query<PreparedRow>(
    `SELECT gid, owner::text AS owner, database::text AS database, extract(epoch FROM clock_timestamp() - ` +
      `prepared)::float8 AS age FROM pg_prepared_xacts ORDER BY prepared`,
  );
  if (rows.length === 0) return ok(`none open (max_prepared_transactions = ${max})`);
  const old = rows.some((r) => r.age * 1000 > ctx.options.longTransactionMs);
  return {
    status: old ? 'fail' : 'warn',
    finding: `${rows.length} prepared transaction(s): ${rows
      .slice(0, 3)
      .map((r) => `'${r.gid}' in ${r.database ?? '?'} by ${r.owner ?? '?'}, prepared ${ageText(r.age)} ago`)
      .join('; ')}`,
    fix:
      `a prepared transaction keeps its locks and snapshot, even across restarts, until it is resolved: ask ` +
      `the transaction manager that prepared it, or resolve it by hand (COMMIT PREPARED ` +
      `'${rows[0]?.gid ?? 'gid'}' / ROLLBACK PREPARED '${rows[0]?.gid ?? 'gid'}')`,
    details: rows.map((r) => ({ gid: r.gid, owner: r.owner, database: r.database, ageSeconds: Math.round(r.age) })),
  };
}

export const SESSION_CHECKS: DoctorCheck[] = [
  { id: 'long-transactions', title: 'long transactions', run: longTransactions },
  { id: 'idle-in-transaction', title: 'idle in transaction', run: idleInTransaction },
  { id: 'prepared-transactions', title: 'prepared transactions', run: preparedTransactions },
];
