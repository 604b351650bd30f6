/** What a statement removes, read from its parse tree: `column users.legacy`, `index …`, `constraint … on …`. */
import type { AstNode } from './ast.js';
import { parseSql } from './parser.js';

type Names = { String?: { sval?: string } }[];

const DROP_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_TYPE: 'type',
  OBJECT_SCHEMA: 'schema',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_POLICY: 'policy',
  OBJECT_RULE: 'rule',
};

/** Object kinds dropped "ON table": their name list ends with the object, after the table. */
const ON_TABLE = new Set(['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE']);

function joined(names: Names | undefined): string {
  return (names ?? []).map((n) => n.String?.sval ?? '?').join('.');
}

function relationName(rel: AstNode | undefined): string {
  if (!rel) return '?';
  return [rel.schemaname, rel.relname].filter((p): p is string => typeof p === 'string').join('.');
}

function dropStmt(node: AstNode): string[] {
  const removeType = String(node.removeType);
  const kind = DROP_KINDS[removeType] ?? removeType.replace(/^OBJECT_/, '').toLowerCase();
  return ((node.objects as AstNode[] | undefined) ?? []).map((object) => {
    if (object.ObjectWithArgs) return `${kind} ${joined((object.ObjectWithArgs as AstNode).objname as Names)}`;
    const names = ((object.List as AstNode | undefined)?.items as Names | undefined) ?? [object];
    if (ON_TABLE.has(removeType)) return `${kind} ${joined(names.slice(-1))} on ${joined(names.slice(0, -1))}`;
    return `${kind} ${joined(names)}`;
  });
}

function alterTable(node: AstNode): string[] {
  const table = relationName(node.relation as AstNode | undefined);
  return ((node.cmds as { AlterTableCmd?: AstNode }[] | undefined) ?? []).flatMap(({ AlterTableCmd: cmd }) => {
    if (cmd?.subtype === 'AT_DropColumn') return [`column ${table}.${String(cmd.name)}`];
    if (cmd?.subtype === 'AT_DropConstraint') return [`constraint ${String(cmd.name)} on ${table}`];
    return [];
  });
}

function statementDrops(stmt: AstNode): string[] {
  if (stmt.DropStmt) return dropStmt(stmt.DropStmt as AstNode);
  if (stmt.AlterTableStmt) return alterTable(stmt.AlterTableStmt as AstNode);
  if (stmt.TruncateStmt)
    return ((stmt.TruncateStmt as AstNode).relations as { RangeVar?: AstNode }[]).map(
      (r) => `every row of table ${relationName(r.RangeVar)}`,
    );
  if (stmt.DeleteStmt)
    return [`rows of table ${relationName((stmt.DeleteStmt as AstNode).relation as AstNode)} (DELETE)`];
  return [];
}

/** What the statements of `sql` remove, in order; undefined when it does not parse. */
export function statementsDrops(sql: string): string[] | undefined {
  const parsed = parseSql(sql);
  if (!parsed.ok) return undefined;
  return (parsed.result.stmts ?? []).flatMap((s) => statementDrops(s.stmt as AstNode));
}
