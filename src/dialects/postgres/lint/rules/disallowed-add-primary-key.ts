import { astText, type AstNode } from '../../sql/ast.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { columnConstraints, dottedName, existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

interface PrimaryKeySpot {
  constraint: AstNode;
  columns: string[];
  /** ADD COLUMN … PRIMARY KEY: the column is new and NULL in every existing row. */
  newColumn: boolean;
}

function primaryKeyOf(c: TableCommand): PrimaryKeySpot | undefined {
  if (c.subtype === 'AT_AddConstraint') {
    const constraint = (c.cmd.def as { Constraint?: AstNode } | undefined)?.Constraint;
    if (constraint?.contype !== 'CONSTR_PRIMARY' || typeof constraint.indexname === 'string') return undefined;
    return {
      constraint,
      columns: ((constraint.keys as unknown[] | undefined) ?? []).map((k) => dottedName([k])),
      newColumn: false,
    };
  }
  if (c.subtype !== 'AT_AddColumn') return undefined;
  const def = (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef;
  const constraint = columnConstraints(def).find((k) => k.contype === 'CONSTR_PRIMARY');
  return constraint ? { constraint, columns: [astText(def?.colname)], newColumn: true } : undefined;
}

function recipe(c: TableCommand, spot: PrimaryKeySpot, ctx: LintContext): string {
  const d = ctx.compiled.dialect;
  const bare = c.table.split('.').pop() ?? c.table;
  const name = typeof spot.constraint.conname === 'string' ? spot.constraint.conname : `${bare}_pkey`;
  const columns = spot.columns.map((k) => d.ident(k)).join(', ');
  const lines = spot.newColumn
    ? [`add ${spot.columns[0] ?? ''} without PRIMARY KEY, backfill it, then follow the steps below`]
    : [];
  lines.push(
    'build the unique index CONCURRENTLY, make the columns NOT NULL without a scan, then attach the index (a ' +
      'brief lock):',
  );
  return [
    ...lines,
    block([
      `- sql: { up: ${yamlString(
        `CREATE UNIQUE INDEX CONCURRENTLY ${d.ident(name)} ON ${d.qualified(c.table)} (${columns})`,
      )}, transactional: false }`,
      ...spot.columns.map((k) => `- set_not_null: { table: ${c.table}, column: ${k} }`),
      `- sql: { up: ${yamlString(
        `ALTER TABLE ${d.qualified(c.table)} ADD CONSTRAINT ${d.ident(name)} PRIMARY ` +
          `KEY USING INDEX ${d.ident(name)}`,
      )} }`,
    ]),
  ].join('\n');
}

function findingOf(c: TableCommand, ctx: LintContext): Finding | undefined {
  const spot = primaryKeyOf(c);
  if (!spot) return undefined;
  return sqlFinding(
    disallowedAddPrimaryKey,
    c.stmt,
    Number(spot.constraint.location ?? c.offset),
    `adding a PRIMARY KEY to ${c.table} builds its unique index (and checks NOT NULL) while holding an ACCESS ` +
      `EXCLUSIVE lock, blocking reads and writes for the whole build`,
    recipe(c, spot, ctx),
  );
}

export const disallowedAddPrimaryKey: Rule = {
  id: 'disallowed-add-primary-key',
  severity: 'error',
  description: 'ADD PRIMARY KEY (without USING INDEX) builds the index under an ACCESS EXCLUSIVE lock.',
  check: (ctx: LintContext) => existingTableCommands(sqlSourcesOf(ctx)).flatMap((c) => findingOf(c, ctx) ?? []),
};
