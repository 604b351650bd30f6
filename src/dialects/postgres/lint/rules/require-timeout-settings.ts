import type { AstNode } from '../../sql/ast.js';
import { lockOfStatement } from '../../sql/statements.js';
import { block, sqlFinding } from '../../../../lint/finding.js';
import { isNewTable, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

const ZERO = /^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$/i;

/** The value a `SET lock_timeout` statement gives, when it turns the timeout off. */
function disables(stmt: SqlStatement): string | undefined {
  if (stmt.type !== 'VariableSetStmt' || String(stmt.node.name).toLowerCase() !== 'lock_timeout') return undefined;
  const kind = String(stmt.node.kind);
  if (kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT') return 'back to the server default (0 unless configured)';
  const arg = ((stmt.node.args as { A_Const?: AstNode }[] | undefined) ?? [])[0]?.A_Const;
  if (!arg) return undefined;
  const value =
    arg.ival !== undefined
      ? String((arg.ival as { ival?: number }).ival ?? 0)
      : String((arg.sval as { sval?: string } | undefined)?.sval ?? '');
  return ZERO.test(value) ? 'to 0' : undefined;
}

function disablingFinding(stmt: SqlStatement): Finding | undefined {
  const how = disables(stmt);
  if (!how) return undefined;
  return sqlFinding(
    requireTimeoutSettings,
    stmt,
    stmt.start,
    `this sets lock_timeout ${how}, overriding the one schemashift sets from the plan: a statement that waits ` +
      `for its lock then queues every query on the table behind it, with no limit`,
    [
      'remove it; to allow longer waits, raise the plan setting instead (each attempt is retried with backoff):',
      block(['settings:', '  lock_timeout: 5s', '  lock_retries: 20']),
    ].join('\n'),
  );
}

/** An earlier `SET lock_timeout = '5s'` in the same step bounds the wait itself. */
function boundedBySql(stmt: SqlStatement): boolean {
  const earlier = stmt.source.statements.slice(0, stmt.source.statements.indexOf(stmt));
  return earlier.some(
    (s) =>
      s.type === 'VariableSetStmt' &&
      String(s.node.name).toLowerCase() === 'lock_timeout' &&
      s.node.kind === 'VAR_SET_VALUE' &&
      !disables(s),
  );
}

function unboundedFinding(stmt: SqlStatement): Finding | undefined {
  const lock = lockOfStatement({ [stmt.type]: stmt.node });
  if (lock.level !== 'ACCESS EXCLUSIVE' || boundedBySql(stmt)) return undefined;
  const tables = lock.on.filter((t) => !isNewTable(stmt, { relname: t }));
  if (tables.length === 0) return undefined;
  return sqlFinding(
    requireTimeoutSettings,
    stmt,
    stmt.start,
    `this statement takes an ACCESS EXCLUSIVE lock on ${tables.join(', ')} and the plan sets lock_timeout: 0: ` +
      `while it waits behind a long query, every read and write of the table queues behind it`,
    [
      'give the plan a lock_timeout (the default is 2s); schemashift retries a timed-out attempt with backoff:',
      block(['settings:', '  lock_timeout: 2s', '  lock_retries: 10']),
    ].join('\n'),
  );
}

export const requireTimeoutSettings: Rule = {
  id: 'require-timeout-settings',
  severity: 'error',
  description:
    'A raw SQL step that takes an ACCESS EXCLUSIVE lock with no lock_timeout (the plan sets 0, or the SQL turns ' +
    'it off).',
  check(ctx: LintContext) {
    const statements = sqlSourcesOf(ctx).flatMap((s) => s.statements);
    const unbounded = ctx.plan.settings.lockTimeoutMs === 0 ? statements.flatMap((s) => unboundedFinding(s) ?? []) : [];
    return [...statements.flatMap((s) => disablingFinding(s) ?? []), ...unbounded];
  },
};
