/** `ADD CONSTRAINT …` and the constraints written on a column of `ADD COLUMN`, as their safe operations. */
import type { ImportedStep } from '../../import.js';
import { walk, type AstNode } from '../sql/ast.js';
import {
  defined,
  expressionOf,
  NotMapped,
  plainName,
  relationName,
  step,
  stringList,
  type StatementContext,
} from './context.js';
import { noteName, takeGeneratedName } from './object-name.js';

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
const schemaOf = (table: string): string => (table.includes('.') ? table.slice(0, table.lastIndexOf('.')) : 'public');

/**
 * A constraint's name as written, or the one PostgreSQL would generate from `parts` and `label`; either way now
 * taken in the import's memory. `index`: the constraint makes an index of the same name (a key), so relation names
 * count too.
 */
export function constraintName(
  ctx: StatementContext,
  table: string,
  written: unknown,
  parts: [string, string | undefined],
  label: string,
  index = false,
): string {
  const spaces = { constraints: ctx.memory.constraintNames, relations: index ? ctx.memory.relationNames : undefined };
  if (written !== undefined) return noteName(spaces, schemaOf(table), plainName(written));
  return takeGeneratedName(spaces, schemaOf(table), parts, label);
}

/** Records a relation (table, index) the import creates under its own name. */
export function noteRelation(ctx: StatementContext, table: string, name: string): void {
  noteName({ relations: ctx.memory.relationNames }, schemaOf(table), name);
}

/** An index's name as written, or `<table>_<columns>_idx` as PostgreSQL would generate it; either way now taken. */
export function indexName(ctx: StatementContext, table: string, written: unknown, columns: () => string): string {
  const spaces = { relations: ctx.memory.relationNames };
  if (written !== undefined) return noteName(spaces, schemaOf(table), plainName(written));
  return takeGeneratedName(spaces, schemaOf(table), [baseName(table), columns()], 'idx');
}

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
  const name = constraintName(ctx, table, c.conname, [baseName(table), columns.join('_')], 'fkey');
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

/**
 * PostgreSQL names an unnamed CHECK after its table and, when its expression reads exactly one column
 * (however often), that column: `<table>_<column>_check`, else `<table>_check`.
 */
export function checkNameParts(table: string, expression: unknown): [string, string | undefined] {
  const columns = new Set<string>();
  walk(expression, (type, node) => {
    if (type !== 'ColumnRef') return;
    const fields = (node.fields as AstNode[] | undefined) ?? [];
    columns.add(String((fields[fields.length - 1]?.String as { sval?: string } | undefined)?.sval));
  });
  return [baseName(table), columns.size === 1 ? [...columns][0] : undefined];
}

function check(ctx: StatementContext, table: string, c: AstNode): ImportedStep {
  const name = constraintName(ctx, table, c.conname, checkNameParts(table, c.raw_expr), 'check');
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

function unique(ctx: StatementContext, table: string, c: AstNode, column?: string): ImportedStep {
  refuseIndexOptions(c);
  const columns = c.keys ? stringList(c.keys) : column ? [column] : [];
  const name = constraintName(ctx, table, c.conname, [baseName(table), columns.join('_')], 'key', true);
  const spec = defined({
    table,
    name,
    columns,
    nulls_not_distinct: c.nulls_not_distinct ? true : undefined,
    ...timing(c),
  });
  return step('expand', 'add_unique', spec, 'unique index built CONCURRENTLY first, then attached as the constraint');
}

function primaryKey(ctx: StatementContext, table: string, c: AstNode, column?: string): ImportedStep {
  refuseIndexOptions(c);
  const columns = c.keys ? stringList(c.keys) : column ? [column] : [];
  const name = constraintName(ctx, table, c.conname, [baseName(table), undefined], 'pkey', true);
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
      return unique(ctx, table, c, column);
    case 'CONSTR_PRIMARY':
      return primaryKey(ctx, table, c, column);
    default:
      throw new NotMapped(`${String(c.contype).replace('CONSTR_', '')} constraints have no safe operation`);
  }
}
