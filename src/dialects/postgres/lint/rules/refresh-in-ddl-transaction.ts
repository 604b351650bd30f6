import { sqlFinding } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { briefSql } from '../../../../plan/brief-sql.js';
import type { AstNode } from '../../sql/ast.js';
import { needsOwnTransaction } from '../../sql/statements.js';
import { sqlDownSourcesOf, sqlSourcesOf, statementText, tableName, type SqlStatement } from '../raw-sql.js';

/**
 * Schema-changing statements: CREATE/ALTER/DROP of anything, CREATE INDEX, RENAME, COMMENT, rules, triggers,
 * policies, REINDEX. GRANT/REVOKE and DML are not: they take no lock that blocks the view's readers.
 */
const DDL_TYPE = /^(Create|Alter|Drop|Define|Rename|Comment|Index|View|Rule|CompositeType|Reindex)/;

function isDdl(stmt: SqlStatement): boolean {
  return DDL_TYPE.test(stmt.type);
}

function help(view: string): string {
  return [
    'run the refresh in a step of its own, after the DDL step: each then commits (and releases its locks) on its own',
    `  - refresh_materialized_view: { name: ${view}, concurrently: true }`,
  ].join('\n');
}

function finding(refresh: SqlStatement, ddl: SqlStatement, key: 'up' | 'down'): Finding {
  const view = tableName(refresh.node.relation as AstNode | undefined);
  const lock = refresh.node.concurrent === true ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  const where = key === 'down' ? 'this rollback' : 'this step';
  return sqlFinding(
    refreshInDdlTransaction,
    refresh,
    refresh.start,
    `refreshing ${view} in one transaction with \`${briefSql(statementText(ddl), 60)}\`: the refresh's ${lock} ` +
      `lock on the view and the DDL's locks are held together until ${where} commits, so the view's readers wait ` +
      "for the DDL too, and a long refresh keeps the DDL's locks for its whole duration",
    help(view),
  );
}

/** Statements sent together in one transaction block, grouped by the step that sends them. */
function transactionGroups(statements: SqlStatement[], together: boolean): SqlStatement[][] {
  if (!together) return [];
  const groups = new Map<string, SqlStatement[]>();
  for (const stmt of statements.filter((s) => s.inTransaction))
    groups.set(stmt.stepId, [...(groups.get(stmt.stepId) ?? []), stmt]);
  return [...groups.values()];
}

function findingsOf(group: SqlStatement[], key: 'up' | 'down'): Finding[] {
  const ddl = group.find(isDdl);
  if (!ddl) return [];
  return group.filter((s) => s.type === 'RefreshMatViewStmt').map((refresh) => finding(refresh, ddl, key));
}

/** A `down` runs as one transaction unless `transactional: false` or a statement needs its own (as `up`). */
function downTogether(statements: SqlStatement[], transactional: unknown): boolean {
  return transactional !== false && !statements.some((s) => needsOwnTransaction({ [s.type]: s.node }));
}

export const refreshInDdlTransaction: Rule = {
  id: 'refresh-in-ddl-transaction',
  severity: 'warning',
  description:
    'REFRESH MATERIALIZED VIEW (with or without CONCURRENTLY) in the same transaction as DDL, in a sql step up or ' +
    "down: the refresh's and the DDL's locks are held together until the step commits.",
  check: (ctx: LintContext) => [
    ...sqlSourcesOf(ctx).flatMap((s) => transactionGroups(s.statements, true).flatMap((g) => findingsOf(g, 'up'))),
    ...sqlDownSourcesOf(ctx).flatMap((s) =>
      transactionGroups(
        s.statements,
        downTogether(s.statements, (s.entry.spec as { transactional?: unknown }).transactional),
      ).flatMap((g) => findingsOf(g, 'down')),
    ),
  ],
};
