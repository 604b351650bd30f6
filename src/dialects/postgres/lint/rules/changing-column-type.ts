import { astText, type AstNode } from '../../sql/ast.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/** The change_type spec that does the same: type, and `using` when the statement has one. */
function changeTypeYaml(c: TableCommand): string {
  const typeName = ((c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef?.typeName ?? {}) as AstNode;
  const from = Number(typeName.location ?? c.offset);
  const sql = c.stmt.source.sql;
  const after = (word: string) =>
    c.stmt.tokens.find((t) => t.start > from && t.start < c.end && t.text.toUpperCase() === word);
  const using = after('USING');
  const collate = after('COLLATE');
  const type = sql.slice(from, Math.min(using?.start ?? c.end, collate?.start ?? c.end)).trim();
  const parts = [`table: ${c.table}`, `column: ${astText(c.cmd.name)}`, `type: ${yamlString(type)}`];
  if (using) parts.push(`using: ${yamlString(sql.slice(using.end, c.end).trim())}`);
  return `- change_type: { ${parts.join(', ')} }`;
}

function findingOf(c: TableCommand): Finding {
  const column = astText(c.cmd.name);
  return sqlFinding(
    changingColumnType,
    c.stmt,
    c.offset,
    `changing the type of ${c.table}.${column} rewrites the table and its indexes under an ACCESS EXCLUSIVE ` +
      `lock (blocking reads and writes), unless the types are binary-compatible`,
    [
      'use the change_type operation: a new column kept in sync by trigger, a batched backfill, and the swap in ' +
        'contract:',
      block([changeTypeYaml(c)]),
      'if the change is binary-compatible (e.g. varchar(50) → varchar(100) or text), suppress this finding with ' +
        'lint: { ignore: [changing-column-type], reason: ... }',
    ].join('\n'),
  );
}

export const changingColumnType: Rule = {
  id: 'changing-column-type',
  severity: 'error',
  description: 'ALTER COLUMN … TYPE usually rewrites the table under an ACCESS EXCLUSIVE lock.',
  check: (ctx: LintContext) =>
    existingTableCommands(sqlSourcesOf(ctx))
      .filter((c) => c.subtype === 'AT_AlterColumnType')
      .map(findingOf),
};
