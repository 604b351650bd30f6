import { block, sqlFinding } from '../../../../lint/finding.js';
import { isNewTable, keywordOffset, tableName, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import { astText, type AstNode } from '../../sql/ast.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

function findingOf(stmt: SqlStatement): Finding {
  const table = tableName(stmt.node.relation as AstNode | undefined);
  const [from, to] = [astText(stmt.node.subname), astText(stmt.node.newname)];
  return sqlFinding(
    renamingColumn,
    stmt,
    keywordOffset(stmt, ['RENAME']),
    `renaming ${table}.${from} to ${to} breaks every running application instance that still uses ${from}`,
    [
      'use rename_column: expand adds the new column kept in sync by trigger, migrate backfills it, contract ' +
        'drops the old one after the deploy that uses the new name:',
      block([`- rename_column: { table: ${table}, from: ${from}, to: ${to}, type: <current type of ${from}> }`]),
    ].join('\n'),
  );
}

export const renamingColumn: Rule = {
  id: 'renaming-column',
  severity: 'error',
  description: 'RENAME COLUMN breaks the application instances still running with the old name.',
  check: (ctx: LintContext) =>
    sqlSourcesOf(ctx)
      .flatMap((s) => s.statements)
      .filter(
        (s) =>
          s.type === 'RenameStmt' &&
          s.node.renameType === 'OBJECT_COLUMN' &&
          !isNewTable(s, s.node.relation as AstNode | undefined),
      )
      .map(findingOf),
};
