/** Raw `sql` statements described in neutral terms for the plan-level lint rules. */
import type { ColumnChange, Destruction, RawStatement } from '../../../lint/types.js';
import type { CompiledPlan } from '../../../plan/compile.js';
import type { Plan } from '../../../plan/types.js';
import { astText, type AstNode } from '../sql/ast.js';
import {
  alterCommands,
  columnConstraints,
  dottedName,
  existingTableCommands,
  sqlSourcesOf,
  statementText,
  tableName,
  type SqlStatement,
} from './raw-sql.js';

const DROPPED_OBJECTS: Record<string, 'table' | 'index'> = { OBJECT_TABLE: 'table', OBJECT_INDEX: 'index' };

function droppedObjects(stmt: SqlStatement): Destruction[] {
  const what = DROPPED_OBJECTS[String(stmt.node.removeType)];
  if (!what) return [];
  const objects = (stmt.node.objects as { List?: { items?: unknown } }[] | undefined) ?? [];
  const names = objects.map((o) => dottedName(o.List?.items));
  const created = stmt.source.createdTables;
  if (what === 'table' && names.every((n) => created.has(tableName({ relname: n })))) return [];
  return [{ what, statement: `DROP ${what.toUpperCase()}`, names }];
}

function destructions(stmt: SqlStatement): Destruction[] {
  if (stmt.type === 'DropStmt') return droppedObjects(stmt);
  if (stmt.type === 'TruncateStmt') {
    const relations = (stmt.node.relations as { RangeVar?: AstNode }[] | undefined) ?? [];
    return [{ what: 'rows', statement: 'TRUNCATE', tables: relations.map((r) => tableName(r.RangeVar)) }];
  }
  const relation = stmt.node.relation as AstNode | undefined;
  if (stmt.type !== 'AlterTableStmt' || stmt.source.createdTables.has(tableName(relation))) return [];
  const table = tableName(relation);
  return alterCommands(stmt)
    .filter((c) => c.subtype === 'AT_DropColumn')
    .map((c): Destruction => {
      const column = astText(c.cmd.name);
      return { what: 'column', statement: 'DROP COLUMN', table, column, offset: c.offset };
    });
}

/** Raw SQL that takes away something the old application version uses: a drop, a rename, a truncate. */
function removesOldPath(stmt: SqlStatement): boolean {
  if (stmt.type === 'DropStmt') return !['OBJECT_TRIGGER', 'OBJECT_FUNCTION'].includes(String(stmt.node.removeType));
  if (stmt.type === 'RenameStmt' || stmt.type === 'TruncateStmt') return true;
  return stmt.type === 'AlterTableStmt' && alterCommands(stmt).some((c) => c.subtype === 'AT_DropColumn');
}

/** ADD COLUMN and DROP COLUMN on tables the same step did not create, by statement. */
function columnChangesByStatement(sources: ReturnType<typeof sqlSourcesOf>): Map<SqlStatement, ColumnChange[]> {
  const changes = new Map<SqlStatement, ColumnChange[]>();
  for (const c of existingTableCommands(sources)) {
    const add = (c.cmd.def as { ColumnDef?: AstNode } | undefined)?.ColumnDef;
    let change: ColumnChange | undefined;
    if (c.subtype === 'AT_AddColumn' && add) {
      const hasDefault = columnConstraints(add).some((k) => k.contype === 'CONSTR_DEFAULT');
      change = { change: 'add', table: c.table, column: astText(add.colname), offset: c.offset, hasDefault };
    } else if (c.subtype === 'AT_DropColumn') {
      const column = astText(c.cmd.name);
      change = { change: 'drop', table: c.table, column, offset: c.offset, hasDefault: false };
    }
    if (change) changes.set(c.stmt, [...(changes.get(c.stmt) ?? []), change]);
  }
  return changes;
}

export function rawStatements(plan: Plan, compiled: CompiledPlan): RawStatement[] {
  const sources = sqlSourcesOf({ plan, compiled });
  const columnChanges = columnChangesByStatement(sources);
  return sources.flatMap((source) =>
    source.statements.map((stmt) => ({
      source,
      stepId: stmt.stepId,
      text: statementText(stmt),
      start: stmt.start,
      removesOldPath: removesOldPath(stmt),
      destroys: destructions(stmt),
      columnChanges: columnChanges.get(stmt) ?? [],
    })),
  );
}
