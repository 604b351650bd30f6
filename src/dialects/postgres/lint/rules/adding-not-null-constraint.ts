import { block, sqlFinding } from '../../../../lint/finding.js';
import { existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { astText } from '../../sql/ast.js';

function recipe(c: TableCommand, ctx: LintContext): string {
  const d = ctx.compiled.dialect;
  const column = astText(c.cmd.name);
  const table = d.qualified(c.table);
  const check = d.ident(`${c.table.split('.').pop() ?? ''}_${column}_not_null`);
  return [
    `use the set_not_null operation: PostgreSQL 12+ skips the scan when a validated CHECK already proves it`,
    block([`- set_not_null: { table: ${c.table}, column: ${column} }`]),
    'or by hand, each statement in its own step:',
    block([
      `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${d.ident(column)} IS NOT NULL) NOT VALID;`,
      `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
      `ALTER TABLE ${table} ALTER COLUMN ${d.ident(column)} SET NOT NULL;`,
      `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
    ]),
  ].join('\n');
}

function findingsOf(ctx: LintContext): Finding[] {
  return existingTableCommands(sqlSourcesOf(ctx))
    .filter((c) => c.subtype === 'AT_SetNotNull')
    .map((c) =>
      sqlFinding(
        addingNotNullConstraint,
        c.stmt,
        c.offset,
        `SET NOT NULL on ${c.table}.${astText(c.cmd.name)} scans the whole table under an ACCESS EXCLUSIVE ` +
          `lock, blocking reads and writes`,
        recipe(c, ctx),
      ),
    );
}

export const addingNotNullConstraint: Rule = {
  id: 'adding-not-null-constraint',
  severity: 'error',
  description: 'ALTER COLUMN … SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock.',
  check: findingsOf,
};
