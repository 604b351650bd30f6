import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { isNewTable, keywordOffset, tableName, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import { astText, type AstNode } from '../../sql/ast.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

function findingOf(stmt: SqlStatement, ctx: LintContext): Finding {
  const d = ctx.compiled.dialect;
  const relation = stmt.node.relation as AstNode | undefined;
  const table = tableName(relation);
  const newName = astText(stmt.node.newname);
  const schema = typeof relation?.schemaname === 'string' ? `${relation.schemaname}.` : '';
  const swap =
    `ALTER TABLE ${d.qualified(table)} RENAME TO ${d.ident(newName)}; CREATE ` +
    `VIEW ${d.qualified(table)} AS SELECT * FROM ${d.qualified(schema + newName)}`;
  return sqlFinding(
    renamingTable,
    stmt,
    keywordOffset(stmt, ['RENAME']),
    `renaming table ${table} to ${newName} breaks every running application instance that still uses ${table}`,
    [
      'use the rename_table operation: it renames the table and leaves an updatable view under the old name in ' +
        'the same transaction (security_invoker, with the grants), and drops the view in contract:',
      block(['expand:', `  - rename_table: { from: ${table}, to: ${newName} }`]),
      'or by hand, with the same view in raw SQL:',
      block([
        'expand:',
        `  - sql: { up: ${yamlString(swap)}, down: ${yamlString(
          `DROP VIEW ${d.qualified(table)}; ALTER ` +
            `TABLE ${d.qualified(schema + newName)} RENAME TO ${d.ident(table.split('.').pop() ?? table)}`,
        )} }`,
        'contract:',
        `  - sql: { up: ${yamlString(`DROP VIEW ${d.qualified(table)}`)} }`,
      ]),
    ].join('\n'),
  );
}

/** The step leaves a view under the old name, so old readers and writers keep working. */
function keepsOldName(stmt: SqlStatement): boolean {
  const old = tableName(stmt.node.relation as AstNode | undefined);
  return stmt.source.statements.some(
    (s) => s.type === 'ViewStmt' && tableName(s.node.view as AstNode | undefined) === old,
  );
}

export const renamingTable: Rule = {
  id: 'renaming-table',
  severity: 'error',
  description: 'ALTER TABLE … RENAME TO breaks the application instances still running with the old name.',
  check: (ctx: LintContext) =>
    sqlSourcesOf(ctx)
      .flatMap((s) => s.statements)
      .filter(
        (s) =>
          s.type === 'RenameStmt' &&
          s.node.renameType === 'OBJECT_TABLE' &&
          !isNewTable(s, s.node.relation as AstNode | undefined) &&
          !keepsOldName(s),
      )
      .map((s) => findingOf(s, ctx)),
};
