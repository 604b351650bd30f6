/**
 * The names a statement takes or gives up, kept in the import's memory so that a later generated name is numbered
 * as PostgreSQL numbers it: what a statement kept as raw SQL creates under its own name (tables, views, sequences,
 * indexes, named constraints), and constraint and index renames, mapped or raw.
 */
import type { ImportMemory } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import type { StatementContext } from './context.js';
import { keyOf } from './object-name.js';

type RangeVar = { schemaname?: string; relname?: string };

const schemaOf = (relation: unknown): string => (relation as RangeVar | undefined)?.schemaname ?? 'public';
const nameOf = (relation: unknown): string | undefined => (relation as RangeVar | undefined)?.relname;

const KEY_TYPES = new Set(['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_EXCLUSION']);

function noteConstraint(ctx: StatementContext, schema: string, c: AstNode | undefined): void {
  if (typeof c?.conname !== 'string') return;
  ctx.memory.constraintNames.add(keyOf(schema, c.conname));
  if (KEY_TYPES.has(String(c.contype))) ctx.memory.relationNames.add(keyOf(schema, c.conname));
}

function noteRelation(ctx: StatementContext, relation: unknown): void {
  const name = nameOf(relation);
  if (name !== undefined) ctx.memory.relationNames.add(keyOf(schemaOf(relation), name));
}

function createdTable(ctx: StatementContext, body: AstNode): void {
  noteRelation(ctx, body.relation);
  const schema = schemaOf(body.relation);
  for (const element of (body.tableElts as AstNode[] | undefined) ?? []) {
    noteConstraint(ctx, schema, element.Constraint as AstNode | undefined);
    const column = element.ColumnDef as AstNode | undefined;
    for (const wrapped of (column?.constraints as AstNode[] | undefined) ?? [])
      noteConstraint(ctx, schema, wrapped.Constraint as AstNode);
  }
}

/** What a statement kept as raw SQL creates under a name it writes (unnamed constraints in it are not followed). */
export function noteRawStatementNames(ctx: StatementContext, type: string, body: AstNode): void {
  switch (type) {
    case 'CreateStmt':
      return createdTable(ctx, body);
    case 'IndexStmt':
      if (typeof body.idxname === 'string') ctx.memory.relationNames.add(keyOf(schemaOf(body.relation), body.idxname));
      return;
    case 'ViewStmt':
      return noteRelation(ctx, body.view);
    case 'CreateTableAsStmt':
      return noteRelation(ctx, (body.into as AstNode | undefined)?.rel);
    case 'CreateSeqStmt':
      return noteRelation(ctx, body.sequence);
    case 'AlterTableStmt':
      for (const wrapped of (body.cmds as AstNode[] | undefined) ?? []) {
        const cmd = wrapped.AlterTableCmd as AstNode | undefined;
        if (cmd?.subtype === 'AT_AddConstraint')
          noteConstraint(ctx, schemaOf(body.relation), (cmd.def as AstNode | undefined)?.Constraint as AstNode);
      }
      return;
    default:
      return;
  }
}

/** A constraint or index renamed (by a mapped step or raw SQL): its old name is free, its new one taken. */
export function followRenames(ctx: StatementContext, type: string, body: AstNode): void {
  if (type !== 'RenameStmt' || typeof body.newname !== 'string') return;
  const schema = schemaOf(body.relation);
  const names =
    body.renameType === 'OBJECT_TABCONSTRAINT'
      ? ctx.memory.constraintNames
      : body.renameType === 'OBJECT_INDEX'
        ? ctx.memory.relationNames
        : undefined;
  const old = body.renameType === 'OBJECT_INDEX' ? nameOf(body.relation) : body.subname;
  if (!names || typeof old !== 'string') return;
  names.delete(keyOf(schema, old));
  names.add(keyOf(schema, body.newname));
  // A key's index carries the constraint's name: renaming one renames the other.
  if (body.renameType === 'OBJECT_TABCONSTRAINT' && ctx.memory.relationNames.delete(keyOf(schema, old)))
    ctx.memory.relationNames.add(keyOf(schema, body.newname));
}

/**
 * Marks the names taken so far; the function it returns gives back every name taken after the mark. A converter
 * only adds names (sets keep their order), so the ones it took are those past the mark's sizes.
 */
export function markNames(memory: ImportMemory): () => void {
  const constraints = memory.constraintNames.size;
  const relations = memory.relationNames.size;
  return () => {
    if (memory.constraintNames.size > constraints)
      memory.constraintNames = new Set([...memory.constraintNames].slice(0, constraints));
    if (memory.relationNames.size > relations)
      memory.relationNames = new Set([...memory.relationNames].slice(0, relations));
  };
}
