/**
 * A statement no safe operation expresses, kept as a raw `sql` step (linted by `validate` like any other), with a
 * `down` only where the inverse is obvious and safe: dropping what this very statement created.
 */
import type { ImportedStep, ImportPhase } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { quoteIdent } from '../names.js';
import { type StatementContext } from './context.js';

const quotedList = (items: unknown): string =>
  ((items as AstNode[] | undefined) ?? [])
    .map((i) => quoteIdent(String((i.String as { sval?: string }).sval)))
    .join('.');

const quotedRelation = (relation: unknown): string => {
  const r = relation as { schemaname?: string; relname?: string };
  return r.schemaname ? `${quoteIdent(r.schemaname)}.${quoteIdent(String(r.relname))}` : quoteIdent(String(r.relname));
};

function functionDown(ctx: StatementContext, body: AstNode): string | undefined {
  if (body.replace || body.is_procedure) return undefined;
  const types: string[] = [];
  for (const wrapped of (body.parameters as AstNode[] | undefined) ?? []) {
    const p = wrapped.FunctionParameter as AstNode;
    if (p.mode === 'FUNC_PARAM_OUT' || p.mode === 'FUNC_PARAM_TABLE') continue;
    const type = ctx.src.typeName(p.argType, ctx.end);
    if (type === undefined) return undefined;
    types.push(type.trim());
  }
  return `DROP FUNCTION ${quotedList(body.funcname)}(${types.join(', ')})`;
}

/** The statement that undoes `type`/`body` when that is plain; undefined otherwise. */
function obviousInverse(ctx: StatementContext, type: string, body: AstNode): string | undefined {
  switch (type) {
    case 'CreateExtensionStmt':
      return body.if_not_exists ? undefined : `DROP EXTENSION ${quoteIdent(String(body.extname))}`;
    case 'CreateTrigStmt':
      return body.replace
        ? undefined
        : `DROP TRIGGER ${quoteIdent(String(body.trigname))} ON ${quotedRelation(body.relation)}`;
    case 'CreateSchemaStmt':
      return body.if_not_exists || body.schemaElts || typeof body.schemaname !== 'string'
        ? undefined
        : `DROP SCHEMA ${quoteIdent(body.schemaname)}`;
    case 'CreateEnumStmt':
      return `DROP TYPE ${quotedList(body.typeName)}`;
    case 'CreateSeqStmt':
      return body.if_not_exists ? undefined : `DROP SEQUENCE ${quotedRelation(body.sequence)}`;
    case 'ViewStmt':
      return body.replace ? undefined : `DROP VIEW ${quotedRelation(body.view)}`;
    case 'CreateFunctionStmt':
      return functionDown(ctx, body);
    default:
      return undefined;
  }
}

const DATA = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CopyStmt', 'SelectStmt', 'DoStmt']);
const REMOVES = new Set(['DropStmt', 'DropRoleStmt', 'DropOwnedStmt', 'TruncateStmt']);

function phaseOf(type: string): ImportPhase {
  if (REMOVES.has(type)) return 'contract';
  return DATA.has(type) ? 'migrate' : 'expand';
}

/** Every table, view or sequence the statement names (and what a DROP names), for the import's order check. */
export function namedRelations(type: string, body: AstNode): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const r = node as { relname?: unknown; schemaname?: unknown };
    if (typeof r.relname === 'string')
      names.add(typeof r.schemaname === 'string' ? `${r.schemaname}.${r.relname}` : r.relname);
    Object.values(node).forEach(visit);
  };
  visit(body);
  if (type === 'DropStmt')
    for (const object of (body.objects as AstNode[] | undefined) ?? []) {
      const items = ((object.List as AstNode | undefined)?.items ?? [object]) as AstNode[];
      const parts = items.map((i) => (i.String as { sval?: string } | undefined)?.sval);
      if (parts.every((p) => typeof p === 'string')) names.add(parts.join('.'));
    }
  return [...names];
}

/** Subcommands of ALTER TABLE that change how the table is stored, not its columns, keys or rows. */
const STORAGE = new Set([
  'AT_SetRelOptions',
  'AT_ResetRelOptions',
  'AT_SetLogged',
  'AT_SetUnLogged',
  'AT_ClusterOn',
  'AT_DropCluster',
  'AT_SetTableSpace',
  'AT_SetAccessMethod',
  'AT_ReplicaIdentity',
]);

/** What a raw ALTER TABLE touches: the columns its subcommands name, its storage, or (otherwise) the whole table. */
function alterTableTouches(body: AstNode): string[] | undefined {
  const r = body.relation as { relname?: string; schemaname?: string } | undefined;
  if (body.objtype !== 'OBJECT_TABLE' || typeof r?.relname !== 'string') return undefined;
  const table = r.schemaname ? `${r.schemaname}.${r.relname}` : r.relname;
  const keys: string[] = [];
  for (const wrapped of (body.cmds as AstNode[] | undefined) ?? []) {
    const cmd = wrapped.AlterTableCmd as AstNode;
    const def = (cmd.def as AstNode | undefined)?.ColumnDef as AstNode | undefined;
    const name = typeof cmd.name === 'string' ? cmd.name : def?.colname;
    if (STORAGE.has(String(cmd.subtype))) keys.push(`${table}|storage`);
    else if (typeof name === 'string' && !def?.constraints && !String(cmd.subtype).includes('Constraint'))
      keys.push(`${table}|c:${name}`);
    else return undefined;
  }
  return keys;
}

/** An INSERT naming its columns touches those columns and the table's rows; other tables it reads, whole. */
function insertTouches(body: AstNode): string[] | undefined {
  const r = body.relation as { relname?: string; schemaname?: string } | undefined;
  if (!body.cols || typeof r?.relname !== 'string') return undefined;
  const table = r.schemaname ? `${r.schemaname}.${r.relname}` : r.relname;
  const columns = (body.cols as AstNode[]).map((c) => `${table}|c:${String((c.ResTarget as AstNode).name)}`);
  const read = namedRelations('SelectStmt', { ...body, relation: undefined });
  return [`${table}|rows`, ...columns, ...read];
}

export function rawStep(ctx: StatementContext, type: string, body: AstNode, reason: string): ImportedStep {
  const down = obviousInverse(ctx, type, body);
  // The file created functions before the tables their bodies read, with body checks off: the step keeps that.
  const unchecked = type === 'CreateFunctionStmt' && ctx.session.functionBodiesUnchecked;
  const up = unchecked ? `SET LOCAL check_function_bodies = false;\n${ctx.text}` : ctx.text;
  const spec: Record<string, unknown> = down === undefined ? { up } : { up, down };
  const rollback = down === undefined ? 'rollback is not possible for this step' : 'down drops what it created';
  return {
    phase: phaseOf(type),
    step: { sql: spec },
    decision: `not understood (${reason}); kept as raw SQL; ${rollback}`,
    touches:
      (type === 'AlterTableStmt' ? alterTableTouches(body) : type === 'InsertStmt' ? insertTouches(body) : undefined) ??
      namedRelations(type, body),
  };
}
