import type { Dialect } from '../../../dialect.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { keywordOffset, statementText, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/** The name PostgreSQL would pick: <table>_<columns>_idx. */
function defaultIndexName(stmt: SqlStatement, d: Dialect): string {
  const params = (stmt.node.indexParams as { IndexElem?: { name?: string } }[] | undefined) ?? [];
  const columns = params.map((p) => p.IndexElem?.name ?? 'expr');
  return d.ident(
    [String((stmt.node.relation as { relname?: string } | undefined)?.relname ?? 'table'), ...columns, 'idx']
      .join('_')
      .slice(0, 63),
  );
}

/**
 * A transactional step commits together with its "done" record, so it never runs twice. A statement
 * that runs outside a transaction (CONCURRENTLY) can succeed and then lose its record to a crash;
 * the next run sends it again. Named CREATE INDEX CONCURRENTLY is covered by the runner's probe.
 */
function fragile(stmt: SqlStatement, d: Dialect): { what: string; fix: string } | undefined {
  if (stmt.inTransaction) return undefined;
  const text = statementText(stmt);
  if (stmt.type === 'DropStmt' && stmt.node.removeType === 'OBJECT_INDEX' && stmt.node.missing_ok !== true) {
    const at = keywordOffset(stmt, ['CONCURRENTLY']) - stmt.start + 'CONCURRENTLY'.length;
    return { what: 'fails with "index does not exist"', fix: `${text.slice(0, at)} IF EXISTS${text.slice(at)}` };
  }
  if (stmt.type === 'IndexStmt' && typeof stmt.node.idxname !== 'string') {
    const at = keywordOffset(stmt, ['CONCURRENTLY']) - stmt.start + 'CONCURRENTLY'.length;
    return {
      what: 'builds a second, identical index',
      fix: `${text.slice(0, at)} IF NOT EXISTS ${defaultIndexName(stmt, d)}${text.slice(at)}`,
    };
  }
  return undefined;
}

function findingOf(stmt: SqlStatement, ctx: LintContext): Finding | undefined {
  const problem = fragile(stmt, ctx.compiled.dialect);
  if (!problem) return undefined;
  return sqlFinding(
    preferRobustStmts,
    stmt,
    stmt.start,
    `this statement runs outside a transaction: if the run dies after it succeeds but before schemashift ` +
      `records it, the next run sends it again and it ${problem.what}`,
    ['make it safe to repeat:', block([`- sql: { up: ${yamlString(problem.fix)}, transactional: false }`])].join('\n'),
  );
}

export const preferRobustStmts: Rule = {
  id: 'prefer-robust-stmts',
  severity: 'warning',
  description:
    'A statement run outside a transaction that fails or duplicates its work when resumed: DROP INDEX ' +
    'CONCURRENTLY without IF EXISTS, an unnamed CREATE INDEX CONCURRENTLY.',
  check: (ctx: LintContext) =>
    sqlSourcesOf(ctx)
      .flatMap((s) => s.statements)
      .flatMap((stmt) => findingOf(stmt, ctx) ?? []),
};
