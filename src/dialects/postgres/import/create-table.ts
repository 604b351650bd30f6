/** `CREATE TABLE` → create_table: columns, defaults, keys, checks and foreign keys as its schema takes them. */
import type { ImportedStep } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { baseName, checkNameParts, constraintName, noteRelation, schemaQualified } from './constraints.js';
import {
  defined,
  expressionOf,
  NotMapped,
  plainName,
  relationName,
  step,
  stringList,
  typeOf,
  type StatementContext,
} from './context.js';

const REFERENTIAL: Record<string, string> = { r: 'restrict', c: 'cascade', n: 'set_null', d: 'set_default' };
const action = (code: unknown) => (typeof code === 'string' ? REFERENTIAL[code] : undefined);
const match = (code: unknown) => {
  if (code === 'p') throw new NotMapped('MATCH PARTIAL is not implemented by PostgreSQL');
  return code === 'f' ? 'full' : undefined;
};
const timing = (c: AstNode) =>
  defined({ deferrable: c.deferrable ? true : undefined, initially_deferred: c.initdeferred ? true : undefined });

function refuseTableOptions(body: AstNode): void {
  const unsupported: [unknown, string][] = [
    [body.inhRelations, 'INHERITS'],
    [body.partspec, 'PARTITION BY'],
    [body.partbound, 'PARTITION OF'],
    [body.ofTypename, 'OF type'],
    [body.options, 'WITH (storage parameters)'],
    [body.tablespacename, 'TABLESPACE'],
    [body.accessMethod, 'USING (access method)'],
    [(body.relation as AstNode).relpersistence !== 'p', 'TEMPORARY/UNLOGGED'],
  ];
  const found = unsupported.find(([value]) => value);
  if (found) throw new NotMapped(`CREATE TABLE … ${found[1]} is kept as written`);
}

function identityOf(c: AstNode): string {
  if (c.options) throw new NotMapped('identity sequence options are kept as written');
  return c.generated_when === 'd' ? 'by_default' : 'always';
}

function refuseSetColumns(c: AstNode): void {
  if (c.fk_del_set_cols) throw new NotMapped('ON DELETE SET NULL/SET DEFAULT (columns) is kept as written');
}

function references(c: AstNode): Record<string, unknown> {
  refuseSetColumns(c);
  const pk = stringList(c.pk_attrs);
  if (pk.length > 1) throw new NotMapped('a column foreign key to several columns');
  return defined({
    table: relationName(c.pktable),
    column: pk[0],
    name: c.conname === undefined ? undefined : plainName(c.conname),
    on_delete: action(c.fk_del_action),
    on_update: action(c.fk_upd_action),
    match: match(c.fk_matchtype),
  });
}

/** A PRIMARY KEY or UNIQUE written on a column: the column's shorthand when its name is the one the shorthand gives. */
function columnKey(
  ctx: StatementContext,
  table: string,
  spec: Record<string, unknown>,
  c: AstNode,
  named: Record<string, unknown>[],
): void {
  const column = spec.name as string;
  const base = baseName(table);
  if (c.contype === 'CONSTR_PRIMARY') {
    const key = constraintName(ctx, table, c.conname, [base, undefined], 'pkey', true);
    if (!c.conname && key === `${base}_pkey`) spec.pk = true;
    else named.push({ name: key, type: 'primary_key', columns: [column] });
    return;
  }
  const key = constraintName(ctx, table, c.conname, [base, column], 'key', true);
  if (!c.conname && !c.nulls_not_distinct && key === `${base}_${column}_key`) spec.unique = true;
  else
    named.push(
      defined({
        name: key,
        type: 'unique',
        columns: [column],
        nulls_not_distinct: c.nulls_not_distinct ? true : undefined,
      }),
    );
}

/** One constraint written on a column, into its spec (or into the table's named constraints). */
function applyColumnConstraint(
  ctx: StatementContext,
  table: string,
  spec: Record<string, unknown>,
  c: AstNode,
  named: Record<string, unknown>[],
): void {
  const name = spec.name as string;
  switch (c.contype) {
    case 'CONSTR_NOTNULL':
      spec.nullable = false;
      return;
    case 'CONSTR_NULL':
      return;
    case 'CONSTR_DEFAULT':
      spec.default = expressionOf(ctx, c.raw_expr);
      return;
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
      return columnKey(ctx, table, spec, c, named);
    case 'CONSTR_CHECK': {
      const expression = expressionOf(ctx, c.raw_expr);
      // PostgreSQL names a column's CHECK after the column its expression reads, not the one it is written on.
      const check = constraintName(ctx, table, c.conname, checkNameParts(table, c.raw_expr), 'check');
      spec.check =
        check !== `${baseName(table)}_${name}_check` || c.is_no_inherit
          ? defined({ name: check, constraint: expression, no_inherit: c.is_no_inherit ? true : undefined })
          : expression;
      return;
    }
    case 'CONSTR_FOREIGN': {
      const key = constraintName(ctx, table, c.conname, [baseName(table), name], 'fkey');
      spec.references = { ...references(c), ...(key === `${baseName(table)}_${name}_fkey` ? {} : { name: key }) };
      return;
    }
    case 'CONSTR_IDENTITY':
      spec.identity = identityOf(c);
      return;
    case 'CONSTR_GENERATED':
      spec.generated = { expression: expressionOf(ctx, c.raw_expr) };
      return;
    default:
      throw new NotMapped(`${String(c.contype).replace('CONSTR_', '')} on a column of a new table is kept as written`);
  }
}

function column(
  ctx: StatementContext,
  table: string,
  def: AstNode,
  named: Record<string, unknown>[],
): Record<string, unknown> {
  if (def.collClause) throw new NotMapped('COLLATE on a column is kept as written');
  if (def.compression) throw new NotMapped('COMPRESSION on a column is kept as written');
  const spec: Record<string, unknown> = { name: plainName(def.colname), type: typeOf(ctx, def.typeName) };
  for (const wrapped of (def.constraints as AstNode[] | undefined) ?? [])
    applyColumnConstraint(ctx, table, spec, wrapped.Constraint as AstNode, named);
  return spec;
}

/** Unnamed table constraints get PostgreSQL's names, numbered past those taken (…_check1, …_check2). */
function tableConstraint(ctx: StatementContext, table: string, c: AstNode): Record<string, unknown> {
  const keys = c.keys ? stringList(c.keys) : [];
  const base = baseName(table);
  if (c.indexname || c.options || c.including || c.indexspace)
    throw new NotMapped('index options on a table constraint are kept as written');
  switch (c.contype) {
    case 'CONSTR_PRIMARY':
      return {
        name: constraintName(ctx, table, c.conname, [base, undefined], 'pkey', true),
        type: 'primary_key',
        columns: keys,
        ...timing(c),
      };
    case 'CONSTR_UNIQUE':
      return defined({
        name: constraintName(ctx, table, c.conname, [base, keys.join('_')], 'key', true),
        type: 'unique',
        columns: keys,
        nulls_not_distinct: c.nulls_not_distinct ? true : undefined,
        ...timing(c),
      });
    case 'CONSTR_CHECK':
      return defined({
        name: constraintName(ctx, table, c.conname, checkNameParts(table, c.raw_expr), 'check'),
        type: 'check',
        check: expressionOf(ctx, c.raw_expr),
        no_inherit: c.is_no_inherit ? true : undefined,
        ...timing(c),
      });
    case 'CONSTR_FOREIGN': {
      refuseSetColumns(c);
      const columns = stringList(c.fk_attrs);
      const pk = stringList(c.pk_attrs);
      return {
        name: constraintName(ctx, table, c.conname, [base, columns.join('_')], 'fkey'),
        type: 'foreign_key',
        columns,
        references: defined({
          table: relationName(c.pktable),
          columns: pk.length ? pk : undefined,
          on_delete: action(c.fk_del_action),
          on_update: action(c.fk_upd_action),
          match: match(c.fk_matchtype),
        }),
        ...timing(c),
      };
    }
    default:
      throw new NotMapped(`a table ${String(c.contype)} constraint is kept as written`);
  }
}

/**
 * PostgreSQL folds a key written twice on the same columns (`id int PRIMARY KEY UNIQUE`, `a int UNIQUE, UNIQUE (a)`)
 * into one index under one name; a plan would build both. Such a table is kept as written.
 */
function refuseRepeatedKeys(columns: Record<string, unknown>[], constraints: Record<string, unknown>[]): void {
  const keys = [
    columns.filter((c) => c.pk === true).map((c) => String(c.name)),
    ...columns.filter((c) => c.unique === true).map((c) => [String(c.name)]),
    ...constraints
      .filter((c) => c.type === 'primary_key' || c.type === 'unique')
      .map((c) => (c.columns as string[]).map(String)),
  ]
    .filter((key) => key.length > 0)
    .map((key) => key.join(', '));
  const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
  if (repeated !== undefined)
    throw new NotMapped(`two keys on (${repeated}): PostgreSQL keeps one index for both, a plan would build two`);
}

/** serial/bigserial/smallserial are integer/bigint/smallint with a sequence default: a later rename needs those. */
function storedType(type: string): string {
  const serial = /^(small|big)?serial([248])?$/i.exec(type.trim());
  if (!serial) return type;
  const size = serial[2] ?? { small: '2', big: '8' }[String(serial[1]).toLowerCase()] ?? '4';
  return { '2': 'smallint', '4': 'integer', '8': 'bigint' }[size]!;
}

export function createTableSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  if (body.partspec) ctx.memory.partitionedTables.add(schemaQualified(relationName(body.relation)));
  refuseTableOptions(body);
  const name = relationName(body.relation);
  const columns: Record<string, unknown>[] = [];
  const constraints: Record<string, unknown>[] = [];
  noteRelation(ctx, name, baseName(name));
  for (const element of (body.tableElts as AstNode[] | undefined) ?? []) {
    if (element.ColumnDef) columns.push(column(ctx, name, element.ColumnDef as AstNode, constraints));
    else if (element.Constraint) constraints.push(tableConstraint(ctx, name, element.Constraint as AstNode));
    else throw new NotMapped('CREATE TABLE … LIKE is kept as written');
  }
  if (columns.length === 0) throw new NotMapped('a table without columns');
  refuseRepeatedKeys(columns, constraints);
  for (const c of columns) ctx.memory.columnTypes.set(`${name}.${String(c.name)}`, storedType(String(c.type)));
  const spec = defined({ name, columns, constraints: constraints.length ? constraints : undefined });
  const created = step(
    'expand',
    'create_table',
    spec,
    body.if_not_exists
      ? 'a new table with its keys and constraints in one transaction; IF NOT EXISTS: if_exists: adopt (an existing table is taken over only when its definition matches)'
      : 'a new table: created with its keys and constraints in one transaction',
  );
  if (body.if_not_exists) created.step.if_exists = 'adopt';
  return [created];
}
