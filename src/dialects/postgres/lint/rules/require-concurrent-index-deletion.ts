import type { Plan, PlanEntry } from '../../../../plan/types.js';
import { block, entryFinding, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { dottedName, keywordOffset, statementText, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

function indexNames(stmt: SqlStatement): string[] {
  return ((stmt.node.objects as { List?: { items?: unknown } }[] | undefined) ?? []).map((o) =>
    dottedName(o.List?.items),
  );
}

function withConcurrently(stmt: SqlStatement): string {
  const text = statementText(stmt);
  const at = keywordOffset(stmt, ['INDEX']) - stmt.start + 'INDEX'.length;
  return `${text.slice(0, at)} CONCURRENTLY${text.slice(at)}`;
}

function rawSqlFinding(stmt: SqlStatement): Finding {
  const names = indexNames(stmt);
  const recipe =
    names.length === 1
      ? [`- sql: { up: ${yamlString(withConcurrently(stmt))}, transactional: false }`]
      : names.map(
          (n) => `- sql: { up: ${yamlString(`DROP INDEX CONCURRENTLY IF EXISTS ${n}`)}, transactional: false }`,
        );
  return sqlFinding(
    requireConcurrentIndexDeletion,
    stmt,
    stmt.start,
    `DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table, blocking reads and writes ` +
      `(and queueing behind any long query)`,
    [
      'drop it CONCURRENTLY, one index per step, outside a transaction (the drop_index operation does this, ' +
        'under contract):',
      block(recipe),
    ].join('\n'),
  );
}

function operationFinding(plan: Plan, entry: PlanEntry): Finding {
  return entryFinding(
    requireConcurrentIndexDeletion,
    plan,
    entry,
    ['concurrently'],
    'drop_index with concurrently: false takes an ACCESS EXCLUSIVE lock on the table, blocking reads and writes',
    'remove `concurrently: false`: by default the index is dropped CONCURRENTLY',
  );
}

export const requireConcurrentIndexDeletion: Rule = {
  id: 'require-concurrent-index-deletion',
  severity: 'error',
  description: 'DROP INDEX without CONCURRENTLY locks the table against reads and writes.',
  check(ctx: LintContext) {
    const raw = sqlSourcesOf(ctx)
      .flatMap((s) => s.statements)
      .filter(
        (stmt) => stmt.type === 'DropStmt' && stmt.node.removeType === 'OBJECT_INDEX' && stmt.node.concurrent !== true,
      )
      .map(rawSqlFinding);
    const ops = ctx.plan.entries
      .filter((e) => e.kind === 'drop_index' && (e.spec as { concurrently?: boolean }).concurrently === false)
      .map((e) => operationFinding(ctx.plan, e));
    return [...raw, ...ops];
  },
};
