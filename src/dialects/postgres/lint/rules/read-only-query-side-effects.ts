/**
 * Checks, rollout guards and throttle queries run in a READ ONLY transaction: the loader refuses
 * data-modifying statements there, and PostgreSQL stops writes made through functions. Some calls
 * act outside the data and are not stopped (terminating backends, advisory locks, settings,
 * notifications, remote SQL), and a few fail every time (nextval, setval): both are errors here.
 */
import { walk } from '../../sql/ast.js';
import { charOffset } from '../../sql/ast.js';
import { parseSql } from '../../sql/parser.js';
import type { PlanEntry } from '../../../../plan/types.js';
import { dottedName } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/** Side effects READ ONLY does not prevent. */
const UNSTOPPED: Record<string, string> = {
  pg_terminate_backend: 'terminates another session',
  pg_cancel_backend: "cancels another session's query",
  pg_advisory_lock: 'takes a session advisory lock that outlives the query',
  pg_advisory_lock_shared: 'takes a session advisory lock that outlives the query',
  pg_try_advisory_lock: 'takes a session advisory lock that outlives the query',
  pg_try_advisory_lock_shared: 'takes a session advisory lock that outlives the query',
  pg_advisory_unlock: "releases a session advisory lock (the runner's plan lock, on a single-backend database)",
  pg_advisory_unlock_shared: "releases a session advisory lock (the runner's plan lock, on a single-backend database)",
  pg_advisory_unlock_all: "releases every session advisory lock (the runner's plan lock, on a single-backend database)",
  set_config: 'changes a setting',
  pg_notify: 'sends a notification',
  pg_reload_conf: 'reloads the server configuration',
  pg_rotate_logfile: 'rotates the server log',
  pg_switch_wal: 'switches the WAL file',
  dblink: 'runs SQL on another server, outside this transaction',
  dblink_exec: 'runs SQL on another server, outside this transaction',
};
/** Calls PostgreSQL refuses in a READ ONLY transaction: the query fails on every run. */
const REFUSED: Record<string, string> = {
  nextval: 'advances a sequence, which PostgreSQL refuses in a READ ONLY transaction',
  setval: 'sets a sequence, which PostgreSQL refuses in a READ ONLY transaction',
};

/** The read-only queries of a step: a check's `sql`, a guard's `sql`, a throttle's `query`. */
function queriesOf(entry: PlanEntry): { path: (string | number)[]; sql: string }[] {
  const found: { path: (string | number)[]; sql: string }[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const parent = path.at(-1);
      const isQuery =
        (key === 'sql' && (entry.kind === 'check' ? path.length === 0 : parent === 'guard')) ||
        (key === 'query' && parent === 'throttle');
      if (isQuery && typeof child === 'string') found.push({ path: [...path, key], sql: child });
      else visit(child, [...path, key]);
    }
  };
  if (entry.kind !== 'sql') visit(entry.raw, []);
  return found;
}

function callFindings(ctx: LintContext, entry: PlanEntry, path: (string | number)[], sql: string): Finding[] {
  const parsed = parseSql(sql);
  if (!parsed.ok) return [];
  const findings: Finding[] = [];
  walk(parsed.result, (type, node) => {
    if (type !== 'FuncCall') return;
    const name = dottedName(node.funcname).split('.').pop() ?? '';
    const effect = UNSTOPPED[name] ?? REFUSED[name];
    if (!effect) return;
    findings.push({
      rule: readOnlyQuerySideEffects.id,
      severity: readOnlyQuerySideEffects.severity,
      message: `${name}() ${effect}: this query runs in a READ ONLY transaction and is meant only to read`,
      help:
        'read the value instead (e.g. last_value FROM the sequence, pg_locks, pg_stat_activity), and do the ' +
        'action in a `sql` step',
      at: ctx.plan.locateInScalar([...entry.path, ...path], charOffset(sql, Number(node.location ?? 0))),
      stepId: entry.id,
    });
  });
  return findings;
}

export const readOnlyQuerySideEffects: Rule = {
  id: 'read-only-query-side-effects',
  severity: 'error',
  description:
    'A check, guard or throttle query calls a function with side effects READ ONLY does not stop, or one it ' +
    'always refuses (nextval).',
  check(ctx: LintContext) {
    return ctx.plan.entries.flatMap((entry) =>
      queriesOf(entry).flatMap(({ path, sql }) => callFindings(ctx, entry, path, sql)),
    );
  },
};
