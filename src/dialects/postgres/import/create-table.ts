/** `CREATE TABLE` → create_table: columns, defaults, keys, checks and foreign keys as its schema takes them. */
import type { ImportedStep } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { baseName, checkName, schemaQualified } from './constraints.js';
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
      if (c.conname) named.push({ name: plainName(c.conname), type: 'primary_key', columns: [name] });
      else spec.pk = true;
      return;
    case 'CONSTR_UNIQUE':
      if (!c.conname && !c.nulls_not_distinct) spec.unique = true;
      else
        named.push(
          defined({
            name: c.conname ?? `${baseName(table)}_${name}_key`,
            type: 'unique',
            columns: [name],
            nulls_not_distinct: c.nulls_not_distinct ? true : undefined,
          }),
        );
      return;
    case 'CONSTR_CHECK': {
      const expression = expressionOf(ctx, c.raw_expr);
      spec.check =
        c.conname || c.is_no_inherit
          ? defined({ name: c.conname, constraint: expression, no_inherit: c.is_no_inherit ? true : undefined })
          : expression;
      return;
    }
    case 'CONSTR_FOREIGN':
      spec.references = references(c);
      return;
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

/** PostgreSQL adds 1, 2, … to a generated name already taken by an earlier unnamed CHECK of the table. */
function unusedName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 1; taken.has(candidate); n++) candidate = `${name}${n}`;
  taken.add(candidate);
  return candidate;
}

/** PostgreSQL names unnamed table CHECKs <table>_<column>_check (one column read) or <table>_check, then …1, …2 */
function tableConstraint(
  ctx: StatementContext,
  table: string,
  c: AstNode,
  checks: Set<string>,
): Record<string, unknown> {
  const keys = c.keys ? stringList(c.keys) : [];
  const base = baseName(table);
  if (c.indexname || c.options || c.including || c.indexspace)
    throw new NotMapped('index options on a table constraint are kept as written');
  switch (c.contype) {
    case 'CONSTR_PRIMARY':
      return { name: c.conname ?? `${base}_pkey`, type: 'primary_key', columns: keys, ...timing(c) };
    case 'CONSTR_UNIQUE':
      return defined({
        name: c.conname ?? `${base}_${keys.join('_')}_key`,
        type: 'unique',
        columns: keys,
        nulls_not_distinct: c.nulls_not_distinct ? true : undefined,
        ...timing(c),
      });
    case 'CONSTR_CHECK':
      return defined({
        name: c.conname ?? unusedName(checkName(table, c.raw_expr), checks),
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
        name: c.conname ?? `${base}_${columns.join('_')}_fkey`,
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
  const checks = new Set<string>();
  for (const element of (body.tableElts as AstNode[] | undefined) ?? []) {
    if (element.ColumnDef) columns.push(column(ctx, name, element.ColumnDef as AstNode, constraints));
    else if (element.Constraint) constraints.push(tableConstraint(ctx, name, element.Constraint as AstNode, checks));
    else throw new NotMapped('CREATE TABLE … LIKE is kept as written');
  }
  if (columns.length === 0) throw new NotMapped('a table without columns');
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
