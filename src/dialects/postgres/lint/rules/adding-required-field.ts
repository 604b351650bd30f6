import { astText, type AstNode } from '../../sql/ast.js';
import { block, sqlFinding } from '../../../../lint/finding.js';
import {
  columnConstraints,
  columnTypeText,
  existingTableCommands,
  isSerialType,
  type TableCommand,
  sqlSourcesOf,
} from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/** Constraints that give existing rows a value, so NOT NULL holds without one. */
const FILLED = new Set(['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED']);

function findingOf(c: TableCommand): Finding | undefined {
  if (c.subtype !== 'AT_AddColumn') return undefined;
  const def = (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef;
  const constraints = columnConstraints(def);
  const notNull = constraints.find((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY');
  if (!def || !notNull || isSerialType(def) || constraints.some((k) => FILLED.has(String(k.contype)))) return undefined;
  const column = astText(def.colname);
  return sqlFinding(
    addingRequiredField,
    c.stmt,
    Number(notNull.location ?? c.offset),
    `ADD COLUMN ${column} NOT NULL without a default fails on a table that has rows: existing rows ` +
      `of ${c.table} would be NULL`,
    [
      'add it nullable, backfill it, then make it NOT NULL without a long lock:',
      block([
        'expand:',
        `  - add_column: { table: ${c.table}, column: { name: ${column}, type: ${columnTypeText(c, def)} } }`,
        'migrate:',
        `  - backfill: { table: ${c.table}, set: { ${column}: <value> }, where: ${column} IS NULL }`,
        `  - set_not_null: { table: ${c.table}, column: ${column} }`,
      ]),
      'or give it a constant default: ADD COLUMN … NOT NULL DEFAULT <constant>',
    ].join('\n'),
  );
}

export const addingRequiredField: Rule = {
  id: 'adding-required-field',
  severity: 'error',
  description: 'ADD COLUMN … NOT NULL without a default fails on a table with rows.',
  check: (ctx: LintContext) => existingTableCommands(sqlSourcesOf(ctx)).flatMap((c) => findingOf(c) ?? []),
};
