/** `ADD CONSTRAINT …` and the constraints written on a column of `ADD COLUMN`, as their safe operations. */
import type { ImportedStep } from '../../import.js';
import { walk, type AstNode } from '../sql/ast.js';
import { defined, expressionOf, NotMapped, relationName, step, stringList, type StatementContext } from './context.js';

const REFERENTIAL: Record<string, string> = {
  a: 'no_action',
  r: 'restrict',
  c: 'cascade',
  n: 'set_null',
  d: 'set_default',
};
const MATCH: Record<string, string> = { s: 'simple', f: 'full', p: 'partial' };

/** The table part of `schema.table`, for the names PostgreSQL gives unnamed constraints. */
export const baseName = (table: string): string => table.slice(table.lastIndexOf('.') + 1);

/** `orders` → `public.orders` (a search_path other than the default is refused, so unqualified means public). */
export const schemaQualified = (table: string): string => (table.includes('.') ? table : `public.${table}`);

function action(code: unknown): string | undefined {
  return typeof code === 'string' && code !== 'a' ? REFERENTIAL[code] : undefined;
}

function timing(c: AstNode): Record<string, unknown> {
  return defined({
    deferrable: c.deferrable ? true : undefined,
    initially_deferred: c.initdeferred ? true : undefined,
  });
}

function refuseIndexOptions(c: AstNode): void {
  if (c.indexname) throw new NotMapped('USING INDEX attaches an existing index: no operation takes that');
  if (c.including || c.options || c.indexspace)
    throw new NotMapped('index options on a constraint are kept as written');
}

function foreignKey(ctx: StatementContext, table: string, c: AstNode, column?: string): ImportedStep {
  const columns = c.fk_attrs ? stringList(c.fk_attrs) : column ? [column] : [];
  const referenced = stringList(c.pk_attrs);
  if (referenced.length === 0)
    throw new NotMapped('the foreign key does not name the referenced columns (add_foreign_key needs them)');
  if (c.fk_del_set_cols) throw new NotMapped('ON DELETE SET NULL/SET DEFAULT (columns) is kept as written');
  const name = (c.conname as string | undefined) ?? `${baseName(table)}_${columns.join('_')}_fkey`;
  const spec = defined({
    table,
    name,
    columns,
    references: { table: relationName(c.pktable), columns: referenced },
    on_delete: action(c.fk_del_action),
    on_update: action(c.fk_upd_action),
    match: c.fk_matchtype && c.fk_matchtype !== 's' ? MATCH[c.fk_matchtype as string] : undefined,
    ...timing(c),
    validate: c.skip_validation ? false : undefined,
  });
  const how = c.skip_validation
    ? 'added NOT VALID as written; validate it later with validate_constraint'
    : 'added NOT VALID, then validated (no long lock on either table)';
  return step('expand', 'add_foreign_key', spec, `${how}${c.conname ? '' : `; named ${name} as PostgreSQL would`}`);
}

/** PostgreSQL names an unnamed CHECK <table>_<column>_check when its expression reads one column once, else <table>_check. */
export function checkName(table: string, expression: unknown): string {
  const columns: string[] = [];
  walk(expression, (type, node) => {
    if (type !== 'ColumnRef') return;
    const fields = (node.fields as AstNode[] | undefined) ?? [];
    columns.push(String((fields[fields.length - 1]?.String as { sval?: string } | undefined)?.sval));
  });
  return columns.length === 1 ? `${baseName(table)}_${columns[0]}_check` : `${baseName(table)}_check`;
}

function check(ctx: StatementContext, table: string, c: AstNode): ImportedStep {
  const name = (c.conname as string | undefined) ?? checkName(table, c.raw_expr);
  const spec = defined({
    table,
    name,
    expression: expressionOf(ctx, c.raw_expr),
    no_inherit: c.is_no_inherit ? true : undefined,
    validate: c.skip_validation ? false : undefined,
  });
  const how = c.skip_validation ? 'added NOT VALID as written' : 'added NOT VALID, then validated';
  return step('expand', 'add_check', spec, `${how}${c.conname ? '' : `; named ${name} as PostgreSQL would`}`);
}

function unique(table: string, c: AstNode, column?: string): ImportedStep {
  refuseIndexOptions(c);
  const columns = c.keys ? stringList(c.keys) : column ? [column] : [];
  const name = (c.conname as string | undefined) ?? `${baseName(table)}_${columns.join('_')}_key`;
  const spec = defined({
    table,
    name,
    columns,
    nulls_not_distinct: c.nulls_not_distinct ? true : undefined,
    ...timing(c),
  });
  return step('expand', 'add_unique', spec, 'unique index built CONCURRENTLY first, then attached as the constraint');
}

function primaryKey(table: string, c: AstNode, column?: string): ImportedStep {
  refuseIndexOptions(c);
  const columns = c.keys ? stringList(c.keys) : column ? [column] : [];
  const name = (c.conname as string | undefined) ?? `${baseName(table)}_pkey`;
  return step(
    'expand',
    'add_primary_key',
    { table, name, columns },
    'unique index built CONCURRENTLY first, then attached as the primary key',
  );
}

/** One table constraint (or column constraint other than NULL/NOT NULL/DEFAULT) as its step. */
export function constraintStep(ctx: StatementContext, table: string, c: AstNode, column?: string): ImportedStep {
  if (c.is_enforced === false) throw new NotMapped('NOT ENFORCED constraints are kept as written');
  switch (c.contype) {
    case 'CONSTR_FOREIGN':
      return foreignKey(ctx, table, c, column);
    case 'CONSTR_CHECK':
      return check(ctx, table, c);
    case 'CONSTR_UNIQUE':
      return unique(table, c, column);
    case 'CONSTR_PRIMARY':
      return primaryKey(table, c, column);
    default:
      throw new NotMapped(`${String(c.contype).replace('CONSTR_', '')} constraints have no safe operation`);
  }
}
