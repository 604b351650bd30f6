/** Column definitions in raw SQL (CREATE TABLE, ADD COLUMN, ALTER COLUMN … TYPE), for the type-choice rules. */
import { astText, type AstNode } from '../sql/ast.js';
import {
  alterCommands,
  columnConstraints,
  dottedName,
  isNewTable,
  tableName,
  type SqlSource,
  type SqlStatement,
} from './raw-sql.js';

export interface ColumnSpot {
  stmt: SqlStatement;
  table: string;
  column: string;
  how: 'create-table' | 'add-column' | 'alter-type';
  /** The type's own name, lower case, without schema: `int4`, `json`, `timestamp`, `serial`. */
  type: string;
  isArray: boolean;
  /** Offset of the type name in the step's SQL. */
  typeOffset: number;
  /** Declared PRIMARY KEY, on the column or in the table's PRIMARY KEY (…) list. */
  primaryKey: boolean;
  /** The table is created by this same step. */
  newTable: boolean;
}

function spot(
  stmt: SqlStatement,
  table: string,
  def: AstNode,
  how: ColumnSpot['how'],
  pkColumns: Set<string>,
  newTable: boolean,
): ColumnSpot {
  const typeName = (def.typeName ?? {}) as AstNode;
  const names = dottedName(typeName.names).split('.');
  const column = astText(def.colname);
  return {
    stmt,
    table,
    column,
    how,
    type: (names[names.length - 1] ?? '').toLowerCase(),
    isArray: Array.isArray(typeName.arrayBounds) && typeName.arrayBounds.length > 0,
    typeOffset: Number(typeName.location ?? stmt.start),
    primaryKey: pkColumns.has(column) || columnConstraints(def).some((k) => k.contype === 'CONSTR_PRIMARY'),
    newTable,
  };
}

function createTableSpots(stmt: SqlStatement): ColumnSpot[] {
  const table = tableName(stmt.node.relation as AstNode | undefined);
  const elements = (stmt.node.tableElts as { ColumnDef?: AstNode; Constraint?: AstNode }[] | undefined) ?? [];
  const pk = elements.find((e) => e.Constraint?.contype === 'CONSTR_PRIMARY')?.Constraint;
  const pkColumns = new Set(((pk?.keys as unknown[] | undefined) ?? []).map((k) => dottedName([k])));
  return elements.flatMap((e) =>
    e.ColumnDef ? [spot(stmt, table, e.ColumnDef, 'create-table', pkColumns, true)] : [],
  );
}

function alterTableSpots(stmt: SqlStatement): ColumnSpot[] {
  if (stmt.node.objtype !== 'OBJECT_TABLE') return [];
  const relation = stmt.node.relation as AstNode | undefined;
  const table = tableName(relation);
  const fresh = isNewTable(stmt, relation);
  return alterCommands(stmt).flatMap((c) => {
    const def = (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef;
    if (!def) return [];
    if (c.subtype === 'AT_AddColumn') return [spot(stmt, table, def, 'add-column', new Set(), fresh)];
    if (c.subtype === 'AT_AlterColumnType')
      return [spot(stmt, table, { ...def, colname: c.cmd.name }, 'alter-type', new Set(), fresh)];
    return [];
  });
}

const spotsOf = new WeakMap<SqlSource[], ColumnSpot[]>();

/** Every column that raw SQL defines or retypes, in statement order (computed once per lint run). */
export function columnSpots(sources: SqlSource[]): ColumnSpot[] {
  const cached = spotsOf.get(sources);
  if (cached) return cached;
  const spots = sources
    .flatMap((s) => s.statements)
    .flatMap((stmt) => {
      if (stmt.type === 'CreateStmt') return createTableSpots(stmt);
      if (stmt.type === 'AlterTableStmt') return alterTableSpots(stmt);
      return [];
    });
  spotsOf.set(sources, spots);
  return spots;
}

/** `CREATE TABLE t (… a json …)`, `ADD COLUMN a json` or `ALTER COLUMN a TYPE json`, for messages. */
export function describeSpot(s: ColumnSpot): string {
  if (s.how === 'create-table') return `column ${s.table}.${s.column} in CREATE TABLE`;
  return s.how === 'add-column' ? `ADD COLUMN ${s.table}.${s.column}` : `ALTER COLUMN ${s.table}.${s.column} TYPE`;
}
