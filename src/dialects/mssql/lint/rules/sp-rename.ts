/** EXEC sp_rename of a column or a table: the renaming-column and renaming-table rules of SQL Server. */
import { block, sqlFinding } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { readRename, renamedParts, type Rename } from '../../tsql-script-shapes.js';
import { isNewTable, statementsOf, type MssqlStatement } from '../raw-sql.js';

function renames(
  ctx: LintContext,
  type: string,
): { stmt: MssqlStatement; rename: Rename; table: string; name: string }[] {
  return statementsOf(ctx).flatMap((stmt) => {
    const rename = readRename(stmt.tokens);
    if (!rename || rename.type !== type) return [];
    const parts = renamedParts(rename);
    return isNewTable(stmt, parts.table) ? [] : [{ stmt, rename, ...parts }];
  });
}

function columnFinding(stmt: MssqlStatement, rename: Rename, table: string, from: string): Finding {
  return sqlFinding(
    renamingColumn,
    stmt,
    rename.offset,
    `EXEC sp_rename renames ${table}.${from} to ${rename.newName} at once (Sch-M on ${table}): every running ` +
      `application instance that still uses ${from} breaks`,
    [
      'use rename_column: expand adds the new column kept in sync by trigger, migrate backfills it, contract ' +
        'drops the old one after the deploy that uses the new name:',
      block([
        `- rename_column: { table: ${table}, from: ${from}, to: ${rename.newName}, type: <current type of ${from}> }`,
      ]),
    ].join('\n'),
  );
}

function tableFinding(stmt: MssqlStatement, rename: Rename, table: string): Finding {
  const to = table.includes('.') ? `${table.split('.')[0]}.${rename.newName}` : rename.newName;
  return sqlFinding(
    renamingTable,
    stmt,
    rename.offset,
    `EXEC sp_rename renames ${table} to ${rename.newName} at once (Sch-M): every running application instance ` +
      `that still uses ${table} breaks, and views, procedures and triggers that name it are not updated`,
    [
      'use rename_table: the table is renamed and a view under the old name serves the old version until contract:',
      block([`- rename_table: { from: ${table}, to: ${to} }`]),
    ].join('\n'),
  );
}

export const renamingColumn: Rule = {
  id: 'renaming-column',
  severity: 'error',
  description: 'EXEC sp_rename of a column breaks the application instances still running with the old name.',
  check: (ctx) => renames(ctx, 'COLUMN').map((r) => columnFinding(r.stmt, r.rename, r.table, r.name)),
};

export const renamingTable: Rule = {
  id: 'renaming-table',
  severity: 'error',
  description: 'EXEC sp_rename of a table breaks the application instances still running with the old name.',
  check: (ctx) => renames(ctx, 'OBJECT').map((r) => tableFinding(r.stmt, r.rename, r.table)),
};
