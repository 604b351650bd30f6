/**
 * What a statement does to the schema, applied to the simulated state so that later steps of the
 * same plan see it: columns added, dropped, renamed or retyped, indexes, constraints, triggers,
 * tables and views created, renamed or dropped. Statements it does not know change nothing.
 */
import type { ConstraintType } from '../../../introspect/live-schema.js';
import { astText, type AstNode } from '../sql/ast.js';
import { unwrap } from '../sql/statements.js';
import { rangeVarName, stringList, typeNameText } from './ast-names.js';
import type { TypeLookup } from '../../../lint/database/context.js';
import type { SimColumn, SimRelation, SimState } from '../../../lint/database/sim-state.js';

export function columnOf(def: AstNode | undefined, types: TypeLookup): SimColumn {
  const text = typeNameText(def?.typeName);
  const base = text === undefined ? null : (types(text) ?? null);
  const constraints = ((def?.constraints as { Constraint?: AstNode }[] | undefined) ?? []).map(
    (c) => c.Constraint?.contype,
  );
  return {
    type: base,
    baseType: base,
    notNull: constraints.includes('CONSTR_NOTNULL') || constraints.includes('CONSTR_PRIMARY'),
  };
}

const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign key',
  CONSTR_PRIMARY: 'primary key',
  CONSTR_UNIQUE: 'unique',
  CONSTR_EXCLUSION: 'exclusion',
};

/** The column of a `CHECK (col IS NOT NULL)`. */
export function notNullCheckColumn(con: AstNode): string | undefined {
  const test = (con.raw_expr as { NullTest?: AstNode } | undefined)?.NullTest;
  const fields = stringList((test?.arg as { ColumnRef?: { fields?: unknown } } | undefined)?.ColumnRef?.fields);
  return test?.nulltesttype === 'IS_NOT_NULL' && fields.length === 1 ? fields[0] : undefined;
}

function addConstraint(state: SimState, table: SimRelation, con: AstNode): void {
  const type = CONSTRAINT_TYPES[String(con.contype)];
  const name = typeof con.conname === 'string' ? con.conname : undefined;
  if (!type || name === undefined) return;
  const columns = stringList(con.keys ?? con.fk_attrs);
  const notNullOf = type === 'check' ? notNullCheckColumn(con) : undefined;
  table.constraints.set(name, {
    type,
    validated: con.skip_validation !== true,
    columns,
    ...(notNullOf === undefined ? {} : { notNullOf }),
  });
  if (type !== 'unique' && type !== 'primary key') return;
  // ADD CONSTRAINT … USING INDEX renames the index to the constraint's name.
  const usingIndex = typeof con.indexname === 'string' ? state.sibling(table, con.indexname) : undefined;
  if (usingIndex) {
    state.rename(usingIndex, name);
    table.constraints.set(name, { type, validated: true, columns: usingIndex.index?.columns ?? columns });
  } else {
    state.create(table.schema, name, 'index', null, {
      table: table.key,
      valid: true,
      unique: true,
      primary: type === 'primary key',
      partial: false,
      columns,
    });
  }
}

function dropColumn(state: SimState, table: SimRelation, column: string): void {
  table.columns?.delete(column);
  for (const [name, con] of table.constraints) if (con.columns.includes(column)) table.constraints.delete(name);
  for (const index of state.indexesOf(table)) if (index.index?.columns?.includes(column)) state.drop(index);
}

function alterCommand(state: SimState, table: SimRelation, cmd: AstNode, types: TypeLookup): void {
  const name = typeof cmd.name === 'string' ? cmd.name : '';
  const def = cmd.def as { ColumnDef?: AstNode; Constraint?: AstNode } | undefined;
  const column = table.columns?.get(name);
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const colname = def?.ColumnDef?.colname;
      if (typeof colname === 'string' && !(cmd.missing_ok && table.columns?.has(colname)))
        table.columns?.set(colname, columnOf(def?.ColumnDef, types));
      return;
    }
    case 'AT_DropColumn':
      return dropColumn(state, table, name);
    case 'AT_AlterColumnType': {
      const { type, baseType } = columnOf(def?.ColumnDef, types);
      if (column) Object.assign(column, { type, baseType });
      return;
    }
    case 'AT_SetNotNull':
      if (column) column.notNull = true;
      return;
    case 'AT_DropNotNull':
      if (column) column.notNull = false;
      return;
    case 'AT_AddConstraint':
      if (def?.Constraint) addConstraint(state, table, def.Constraint);
      return;
    case 'AT_ValidateConstraint': {
      const con = table.constraints.get(name);
      if (con) con.validated = true;
      return;
    }
    case 'AT_DropConstraint': {
      const type = table.constraints.get(name)?.type;
      table.constraints.delete(name);
      const index = state.sibling(table, name);
      if ((type === 'unique' || type === 'primary key' || type === 'exclusion') && index?.index?.table === table.key)
        state.drop(index);
      return;
    }
    default:
      return;
  }
}

const INDEX_BACKED = new Set(['unique', 'primary key', 'exclusion']);

/** Rename a constraint's index; the foreign keys that depend on it follow. */
function renameIndex(state: SimState, table: SimRelation, index: SimRelation, newName: string): void {
  const old = index.name;
  state.rename(index, newName);
  for (const rel of state.relationsWithConstraints())
    for (const con of rel.constraints.values())
      if (con.references?.table === table.key && con.references.index === old)
        con.references = { ...con.references, index: newName };
}

function applyRename(state: SimState, body: AstNode): void {
  const rel = state.find(rangeVarName(body.relation) ?? '');
  const newName = astText(body.newname);
  if (!rel || !newName) return;
  const sub = astText(body.subname);
  if (body.renameType === 'OBJECT_COLUMN') {
    const column = rel.columns?.get(sub);
    if (!column || !rel.columns) return;
    rel.columns.delete(sub);
    rel.columns.set(newName, column);
    const renamed = (c: string) => (c === sub ? newName : c);
    for (const con of rel.constraints.values()) con.columns = con.columns.map(renamed);
    for (const index of state.indexesOf(rel))
      if (index.index?.columns) index.index.columns = index.index.columns.map(renamed);
  } else if (body.renameType === 'OBJECT_TABCONSTRAINT') {
    const con = rel.constraints.get(sub);
    if (!con) return;
    rel.constraints.delete(sub);
    rel.constraints.set(newName, con);
    // The index of a unique, primary key or exclusion constraint is renamed with it.
    const index = state.sibling(rel, sub);
    if (index?.index?.table === rel.key && INDEX_BACKED.has(con.type)) renameIndex(state, rel, index, newName);
  } else {
    state.rename(rel, newName);
  }
}

function createIndex(state: SimState, body: AstNode): void {
  const table = state.table(rangeVarName(body.relation) ?? '');
  if (!table || typeof body.idxname !== 'string' || state.sibling(table, body.idxname)) return;
  const params = ((body.indexParams as { IndexElem?: AstNode }[] | undefined) ?? []).map((p) => p.IndexElem ?? {});
  const columns = params.every((p) => typeof p.name === 'string') ? params.map((p) => String(p.name)) : null;
  const kind = table.kind === 'partitioned table' ? 'partitioned index' : 'index';
  state.create(table.schema, body.idxname, kind, null, {
    table: table.key,
    valid: true,
    unique: body.unique === true,
    primary: false,
    partial: body.whereClause !== undefined,
    columns,
  });
}

const DROPPED_RELATIONS = new Set([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_SEQUENCE',
]);

function applyDrop(state: SimState, body: AstNode): void {
  const objects = ((body.objects as { List?: { items?: unknown } }[] | undefined) ?? []).map((o) =>
    stringList(o.List?.items),
  );
  for (const parts of objects) {
    if (body.removeType === 'OBJECT_TRIGGER') {
      state.table(parts.slice(0, -1).join('.'))?.triggers.delete(parts[parts.length - 1] ?? '');
    } else if (DROPPED_RELATIONS.has(String(body.removeType))) {
      const rel = state.find(parts.join('.'));
      if (rel) state.drop(rel);
    }
  }
}

const DEFAULT_SUFFIX: Record<string, string> = {
  CONSTR_PRIMARY: 'pkey',
  CONSTR_UNIQUE: 'key',
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'fkey',
};

/** Table and column constraints of a CREATE TABLE, each with its key columns and PostgreSQL's default name. */
function tableConstraints(table: string, elements: Record<string, AstNode>[]): AstNode[] {
  const found: AstNode[] = [];
  for (const e of elements) {
    if (e.Constraint) found.push(e.Constraint);
    const colname = e.ColumnDef?.colname;
    const inline = ((e.ColumnDef?.constraints as { Constraint?: AstNode }[] | undefined) ?? []).flatMap((c) =>
      c.Constraint ? [c.Constraint] : [],
    );
    for (const c of inline)
      if (DEFAULT_SUFFIX[String(c.contype)]) found.push({ ...c, keys: [{ String: { sval: colname } }] });
  }
  return found.map((c) => {
    const suffix = DEFAULT_SUFFIX[String(c.contype)];
    const columns = stringList(c.keys ?? c.fk_attrs);
    if (typeof c.conname === 'string' || !suffix) return c;
    return {
      ...c,
      conname: c.contype === 'CONSTR_PRIMARY' ? `${table}_pkey` : `${[table, ...columns].join('_')}_${suffix}`,
    };
  });
}

function createTable(state: SimState, body: AstNode, types: TypeLookup): void {
  const name = rangeVarName(body.relation);
  if (!name || state.find(name)) return;
  const bare = name.split('.').pop() ?? name;
  const elements = (body.tableElts as Record<string, AstNode>[] | undefined) ?? [];
  const known =
    elements.every((e) => e.ColumnDef || e.Constraint) && !(body.inhRelations as unknown[] | undefined)?.length;
  const columns = known
    ? new Map(
        elements.flatMap((e) =>
          e.ColumnDef ? [[String(e.ColumnDef.colname), columnOf(e.ColumnDef, types)] as const] : [],
        ),
      )
    : null;
  const table = state.create(state.schemaOf(name), bare, body.partspec ? 'partitioned table' : 'table', columns);
  for (const con of tableConstraints(bare, elements)) {
    addConstraint(state, table, con);
    if (con.contype !== 'CONSTR_PRIMARY') continue;
    for (const key of stringList(con.keys)) {
      const column = columns?.get(key);
      if (column) column.notNull = true;
    }
  }
}

function createFromQuery(
  state: SimState,
  name: string | undefined,
  kind: 'table' | 'view' | 'materialized view',
): void {
  if (!name) return;
  const existing = state.find(name);
  if (existing) return;
  state.create(state.schemaOf(name), name.split('.').pop() ?? name, kind, null);
}

const TYPE_CREATORS = new Set(['CreateEnumStmt', 'CompositeTypeStmt', 'CreateDomainStmt', 'CreateRangeStmt']);

/** Apply one parsed statement (`{ AlterTableStmt: {...} }`) to the state. */
export function applyStatement(state: SimState, node: AstNode, types: TypeLookup): void {
  const [type, body] = unwrap(node);
  if (TYPE_CREATORS.has(type)) {
    const names = stringList(
      body.typeName ?? body.domainname ?? (body.typevar ? [{ String: { sval: rangeVarName(body.typevar) } }] : []),
    );
    state.createdTypes.add(names.join('.'));
    return;
  }
  switch (type) {
    case 'AlterTableStmt': {
      const table = state.find(rangeVarName(body.relation) ?? '');
      if (table)
        for (const c of (body.cmds as { AlterTableCmd?: AstNode }[] | undefined) ?? [])
          alterCommand(state, table, c.AlterTableCmd ?? {}, types);
      return;
    }
    case 'RenameStmt':
      return applyRename(state, body);
    case 'IndexStmt':
      return createIndex(state, body);
    case 'DropStmt':
      return applyDrop(state, body);
    case 'CreateStmt':
      return createTable(state, body, types);
    case 'CreateTableAsStmt':
      return createFromQuery(
        state,
        rangeVarName((body.into as AstNode | undefined)?.rel),
        body.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table',
      );
    case 'ViewStmt':
      return createFromQuery(state, rangeVarName(body.view), 'view');
    case 'CreateTrigStmt':
      state.table(rangeVarName(body.relation) ?? '')?.triggers.add(String(body.trigname));
      return;
    default:
      return;
  }
}
