import { astText, type AstNode } from '../../sql/ast.js';
import { block, sqlFinding } from '../../../../lint/finding.js';
import { columnConstraints, dottedName, existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

interface UniqueSpot {
  constraint: AstNode;
  columns: string[];
}

function uniqueOf(c: TableCommand): UniqueSpot | undefined {
  if (c.subtype === 'AT_AddConstraint') {
    const constraint = (c.cmd.def as { Constraint?: AstNode } | undefined)?.Constraint;
    if (constraint?.contype !== 'CONSTR_UNIQUE' || typeof constraint.indexname === 'string') return undefined;
    const keys = ((constraint.keys as unknown[] | undefined) ?? []).map((k) => dottedName([k]));
    return { constraint, columns: keys };
  }
  if (c.subtype === 'AT_AddColumn') {
    const def = (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef;
    const constraint = columnConstraints(def).find((k) => k.contype === 'CONSTR_UNIQUE');
    return constraint ? { constraint, columns: [astText(def?.colname)] } : undefined;
  }
  return undefined;
}

function findingOf(c: TableCommand, ctx: LintContext): Finding | undefined {
  const spot = uniqueOf(c);
  if (!spot) return undefined;
  const d = ctx.compiled.dialect;
  const bare = c.table.split('.').pop() ?? c.table;
  const name =
    typeof spot.constraint.conname === 'string' ? spot.constraint.conname : `${bare}_${spot.columns.join('_')}_key`;
  const columns = spot.columns.join(', ');
  const t = d.qualified(c.table);
  return sqlFinding(
    disallowedUniqueConstraint,
    c.stmt,
    Number(spot.constraint.location ?? c.offset),
    `adding a UNIQUE constraint builds its index while holding an ACCESS EXCLUSIVE lock on ${c.table}, blocking ` +
      `reads and writes for the whole build`,
    [
      `use add_unique: it builds the unique index CONCURRENTLY, then attaches it with ADD CONSTRAINT … USING ` +
        `INDEX (a brief lock):`,
      block([`- add_unique: { table: ${c.table}, name: ${name}, columns: [${columns}] }`]),
      'or by hand, in two steps:',
      block([
        `CREATE UNIQUE INDEX CONCURRENTLY ${d.ident(name)} ON ${t} ` +
          `(${spot.columns.map((k) => d.ident(k)).join(', ')});   -- transactional: false`,
        `ALTER TABLE ${t} ADD CONSTRAINT ${d.ident(name)} UNIQUE USING INDEX ${d.ident(name)};`,
      ]),
    ].join('\n'),
  );
}

export const disallowedUniqueConstraint: Rule = {
  id: 'disallowed-unique-constraint',
  severity: 'error',
  description: 'ADD CONSTRAINT … UNIQUE (without USING INDEX) builds the index under an ACCESS EXCLUSIVE lock.',
  check: (ctx: LintContext) => existingTableCommands(sqlSourcesOf(ctx)).flatMap((c) => findingOf(c, ctx) ?? []),
};
