/**
 * Raw `sql` steps against the schema: every table, column, index and constraint a statement names
 * must exist (or, for what it creates, must not) at that point of the plan. `IF [NOT] EXISTS`
 * turns a failure into a no-op, reported as a warning where the object is already gone.
 */
import { astText, type AstNode } from '../sql/ast.js';
import { tablesRead, unwrap } from '../sql/statements.js';
import { rangeVarName, stringList } from './ast-names.js';
import type { CheckContext } from '../../../lint/database/context.js';
import {
  emit,
  hasUniqueKey,
  needColumn,
  needTable,
  needTablesRead,
  type Place,
} from '../../../lint/database/requirements.js';
import type { SimRelation } from '../../../lint/database/sim-state.js';

function gone(ctx: CheckContext, place: Place, what: string, missingOk: boolean): void {
  if (missingOk)
    emit(
      ctx,
      'db-already-gone',
      place,
      `${what} does not exist: the statement does nothing (IF EXISTS)`,
      'remove the statement if the object is gone for good, or check the name',
    );
  else
    emit(
      ctx,
      'db-missing-table',
      place,
      `${what} does not exist: the statement fails`,
      'check the name and schema, or add IF EXISTS if the object may already be gone',
    );
}

function taken(ctx: CheckContext, place: Place, what: string, instead: string): void {
  emit(ctx, 'db-name-taken', place, `${what} already exists: the statement fails`, instead);
}

function foreignKey(ctx: CheckContext, place: Place, table: SimRelation, con: AstNode): void {
  for (const c of stringList(con.fk_attrs)) needColumn(ctx, place, table, c);
  const ref = needTable(ctx, place, rangeVarName(con.pktable) ?? '');
  const refColumns = stringList(con.pk_attrs);
  if (!ref || refColumns.length === 0) return;
  const known = refColumns.every((c) => needColumn(ctx, place, ref, c) !== undefined || !ref.columns);
  if (known && ref.columns && !hasUniqueKey(ctx, ref, refColumns)) {
    emit(
      ctx,
      'db-missing-unique-key',
      place,
      `${ref.name} (${refColumns.join(', ')}) has no primary key or unique constraint: PostgreSQL refuses a ` +
        `foreign key to it (42830)`,
      `add a unique constraint on ${ref.name} (${refColumns.join(', ')}) first (add_unique), or reference its ` +
        `primary key`,
    );
  }
}

function addConstraint(ctx: CheckContext, place: Place, table: SimRelation, con: AstNode): void {
  const name = typeof con.conname === 'string' ? con.conname : undefined;
  if (name !== undefined && table.constraints.has(name))
    taken(ctx, place, `constraint ${name} on ${table.name}`, 'pick another constraint name');
  else if (
    name !== undefined &&
    (con.contype === 'CONSTR_UNIQUE' || con.contype === 'CONSTR_PRIMARY') &&
    con.indexname === undefined &&
    ctx.state.sibling(table, name)
  ) {
    taken(ctx, place, `relation ${name} (the constraint's index would get its name)`, 'pick another constraint name');
  }
  if (typeof con.indexname === 'string' && !ctx.state.sibling(table, con.indexname)?.index)
    gone(ctx, place, `index ${con.indexname}`, false);
  if (con.contype === 'CONSTR_FOREIGN') foreignKey(ctx, place, table, con);
  for (const c of stringList(con.keys)) needColumn(ctx, place, table, c);
}

function alterCommand(ctx: CheckContext, place: Place, table: SimRelation, cmd: AstNode): void {
  const name = astText(cmd.name);
  const missingOk = cmd.missing_ok === true;
  const def = cmd.def as { ColumnDef?: AstNode; Constraint?: AstNode } | undefined;
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const colname = astText(def?.ColumnDef?.colname);
      if (!missingOk && table.columns?.has(colname))
        taken(
          ctx,
          place,
          `column ${table.name}.${colname}`,
          'pick another column name, or drop the old column in an earlier step',
        );
      return;
    }
    case 'AT_DropColumn':
      if (!table.columns || table.columns.has(name)) return;
      if (missingOk) gone(ctx, place, `column ${table.name}.${name}`, true);
      else needColumn(ctx, place, table, name);
      return;
    case 'AT_AlterColumnType':
    case 'AT_SetNotNull':
    case 'AT_DropNotNull':
    case 'AT_ColumnDefault':
    case 'AT_SetStatistics':
      needColumn(ctx, place, table, name);
      return;
    case 'AT_ValidateConstraint':
    case 'AT_DropConstraint':
      if (table.constraints.has(name)) return;
      if (missingOk) gone(ctx, place, `constraint ${name} on ${table.name}`, true);
      else
        emit(
          ctx,
          'db-missing-constraint',
          place,
          `constraint ${name} does not exist on ${table.name} at this step: the statement fails`,
          'check the constraint name (\\d+ <table> lists them), or add it in an earlier step',
        );
      return;
    case 'AT_AddConstraint':
      if (def?.Constraint) addConstraint(ctx, place, table, def.Constraint);
      return;
    default:
      return;
  }
}

function rename(ctx: CheckContext, place: Place, body: AstNode): void {
  const name = rangeVarName(body.relation) ?? '';
  const rel = ctx.state.find(name);
  if (!rel) return gone(ctx, place, name, body.missing_ok === true);
  const newName = astText(body.newname);
  if (body.renameType === 'OBJECT_COLUMN') {
    needColumn(ctx, place, rel, astText(body.subname));
    if (rel.columns?.has(newName)) taken(ctx, place, `column ${rel.name}.${newName}`, 'pick another name');
  } else if (body.renameType !== 'OBJECT_TABCONSTRAINT' && ctx.state.sibling(rel, newName)) {
    taken(ctx, place, `relation ${rel.schema}.${newName}`, 'pick another name');
  }
}

function createIndex(ctx: CheckContext, place: Place, body: AstNode): void {
  const table = needTable(ctx, place, rangeVarName(body.relation) ?? '');
  if (!table) return;
  if (typeof body.idxname === 'string' && !body.if_not_exists && ctx.state.sibling(table, body.idxname)) {
    taken(
      ctx,
      place,
      `relation ${table.schema}.${body.idxname}`,
      'pick another index name, or drop the old index CONCURRENTLY in an earlier step',
    );
  }
  const params = [
    ...((body.indexParams as { IndexElem?: AstNode }[] | undefined) ?? []),
    ...((body.indexIncludingParams as { IndexElem?: AstNode }[] | undefined) ?? []),
  ];
  for (const p of params) if (typeof p.IndexElem?.name === 'string') needColumn(ctx, place, table, p.IndexElem.name);
}

function dropObjects(ctx: CheckContext, place: Place, body: AstNode): void {
  const missingOk = body.missing_ok === true;
  for (const parts of ((body.objects as { List?: { items?: unknown } }[] | undefined) ?? []).map((o) =>
    stringList(o.List?.items),
  )) {
    if (body.removeType === 'OBJECT_TRIGGER') {
      const table = ctx.state.table(parts.slice(0, -1).join('.'));
      if (!table?.triggers.has(parts[parts.length - 1] ?? ''))
        gone(ctx, place, `trigger ${parts.join('.')}`, missingOk);
    } else if (
      ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(String(body.removeType)) &&
      !ctx.state.find(parts.join('.'))
    ) {
      gone(ctx, place, parts.join('.'), missingOk);
    }
  }
}

function creates(
  ctx: CheckContext,
  place: Place,
  name: string | undefined,
  ifNotExists: boolean,
  query?: unknown,
): void {
  if (name && !ifNotExists && ctx.state.find(name))
    taken(ctx, place, `relation ${name}`, 'pick another name, or drop the old one in an earlier step');
  if (query !== undefined) needTablesRead(ctx, place, tablesRead(query));
}

/** Existence checks of one raw statement, against the schema just before it runs. */
export function checkRawStatement(ctx: CheckContext, place: Place, node: AstNode): void {
  const [type, body] = unwrap(node);
  switch (type) {
    case 'AlterTableStmt': {
      const name = rangeVarName(body.relation) ?? '';
      const table = body.missing_ok && !ctx.state.find(name) ? undefined : needTable(ctx, place, name);
      if (table)
        for (const c of (body.cmds as { AlterTableCmd?: AstNode }[] | undefined) ?? [])
          alterCommand(ctx, place, table, c.AlterTableCmd ?? {});
      return;
    }
    case 'RenameStmt':
      return rename(ctx, place, body);
    case 'IndexStmt':
      return createIndex(ctx, place, body);
    case 'DropStmt':
      return dropObjects(ctx, place, body);
    case 'CreateStmt':
      return creates(ctx, place, rangeVarName(body.relation), body.if_not_exists === true);
    case 'CreateTableAsStmt':
      return creates(
        ctx,
        place,
        rangeVarName((body.into as AstNode | undefined)?.rel),
        body.if_not_exists === true,
        body.query,
      );
    case 'ViewStmt':
      return creates(ctx, place, rangeVarName(body.view), body.replace === true, body.query);
    case 'CreateTrigStmt': {
      const table = needTable(ctx, place, rangeVarName(body.relation) ?? '');
      if (table?.triggers.has(String(body.trigname)) && !body.replace)
        taken(
          ctx,
          place,
          `trigger ${String(body.trigname)} on ${table.name}`,
          'pick another trigger name, or DROP TRIGGER IF EXISTS first',
        );
      return;
    }
    case 'RefreshMatViewStmt':
      needTable(ctx, place, rangeVarName(body.relation) ?? '');
      return;
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'InsertStmt':
    case 'MergeStmt':
    case 'SelectStmt':
      for (const name of tablesRead(body)) needTable(ctx, place, name);
      return;
    default:
      return;
  }
}
