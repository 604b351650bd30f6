import type { AstNode } from '../../sql/ast.js';
import { block, entryFinding, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { isNewTable, keywordOffset, statementText, tableName, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

function indexColumns(node: AstNode): string {
  const params = (node.indexParams as { IndexElem?: AstNode }[] | undefined) ?? [];
  const names = params.map((p) => p.IndexElem?.name).filter((n): n is string => typeof n === 'string');
  return names.length === params.length && names.length > 0 ? names.join(', ') : '<column>';
}

function withConcurrently(stmt: SqlStatement): string {
  const text = statementText(stmt);
  const at = keywordOffset(stmt, ['INDEX']) - stmt.start + 'INDEX'.length;
  return `${text.slice(0, at)} CONCURRENTLY${text.slice(at)}`;
}

function rawSqlFindings(ctx: LintContext): Finding[] {
  const findings: Finding[] = [];
  for (const stmt of sqlSourcesOf(ctx).flatMap((s) => s.statements)) {
    if (stmt.type !== 'IndexStmt' || stmt.node.concurrent === true) continue;
    const relation = stmt.node.relation as AstNode | undefined;
    if (isNewTable(stmt, relation)) continue;
    const table = tableName(relation);
    const name = typeof stmt.node.idxname === 'string' ? stmt.node.idxname : `idx_${table.replace('.', '_')}`;
    findings.push(
      sqlFinding(
        requireConcurrentIndexCreation,
        stmt,
        stmt.start,
        `CREATE INDEX without CONCURRENTLY blocks every write to ${table} (SHARE lock) for the whole build`,
        [
          'build it CONCURRENTLY, outside a transaction: the create_index operation does this by default',
          block([`- create_index: { table: ${table}, name: ${name}, columns: [${indexColumns(stmt.node)}] }`]),
          'or keep raw SQL in a step of its own:',
          block([`- sql: { up: ${yamlString(withConcurrently(stmt))}, transactional: false }`]),
        ].join('\n'),
      ),
    );
  }
  return findings;
}

function operationFindings(ctx: LintContext): Finding[] {
  return ctx.plan.entries
    .filter((e) => e.kind === 'create_index' && (e.spec as { concurrently?: boolean }).concurrently === false)
    .map((entry) => {
      const table = (entry.spec as { table: string }).table;
      return entryFinding(
        requireConcurrentIndexCreation,
        ctx.plan,
        entry,
        ['concurrently'],
        `create_index with concurrently: false blocks every write to ${table} (SHARE lock) for the whole build`,
        'remove `concurrently: false`: by default the index is built CONCURRENTLY and writes go on',
      );
    });
}

export const requireConcurrentIndexCreation: Rule = {
  id: 'require-concurrent-index-creation',
  severity: 'error',
  description: 'CREATE INDEX on an existing table without CONCURRENTLY blocks writes for the whole build.',
  check: (ctx) => [...rawSqlFindings(ctx), ...operationFindings(ctx)],
};
