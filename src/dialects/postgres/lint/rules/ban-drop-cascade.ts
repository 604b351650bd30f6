import { sqlFinding } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { briefSql } from '../../../../plan/brief-sql.js';
import { quoteLiteral } from '../../names.js';
import { astText, type AstNode } from '../../sql/ast.js';
import {
  alterCommands,
  dottedName,
  sqlDownSourcesOf,
  sqlSourcesOf,
  statementText,
  tableName,
  type SqlStatement,
} from '../raw-sql.js';

/** Where PostgreSQL catalogs an object, and how its name is cast to an oid there. */
interface Target {
  catalog: string;
  oid: string;
}

const RELATION_KINDS = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_INDEX',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
]);

/** The first object a DROP names, as a pg_depend target (undefined when its kind has no reg* cast). */
function dropTarget(node: AstNode): Target | undefined {
  const first = (node.objects as unknown[] | undefined)?.[0] as
    { List?: { items?: unknown }; String?: { sval?: string }; ObjectWithArgs?: { objname?: unknown } } | undefined;
  const name = first?.List
    ? dottedName(first.List.items)
    : first?.ObjectWithArgs
      ? dottedName(first.ObjectWithArgs.objname)
      : (first?.String?.sval ?? '');
  const kind = astText(node.removeType);
  if (!name) return undefined;
  if (RELATION_KINDS.has(kind)) return { catalog: 'pg_class', oid: `${quoteLiteral(name)}::regclass` };
  if (kind === 'OBJECT_SCHEMA') return { catalog: 'pg_namespace', oid: `${quoteLiteral(name)}::regnamespace` };
  if (kind === 'OBJECT_TYPE' || kind === 'OBJECT_DOMAIN')
    return { catalog: 'pg_type', oid: `${quoteLiteral(name)}::regtype` };
  if (kind === 'OBJECT_FUNCTION' || kind === 'OBJECT_PROCEDURE' || kind === 'OBJECT_ROUTINE')
    return { catalog: 'pg_proc', oid: `${quoteLiteral(name)}::regproc` };
  return undefined;
}

/** A catalog query listing what depends on `target` (views by name, not by their rewrite rule). */
export function dependentsRecipe(target: Target | undefined): string {
  const on = target ?? { catalog: '<catalog>', oid: '<oid of the object>' };
  return [
    'SELECT DISTINCT coalesce(v.oid::regclass::text, pg_describe_object(d.classid, d.objid, d.objsubid)) AS dependent',
    'FROM pg_depend d',
    "LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid",
    'LEFT JOIN pg_class v ON v.oid = r.ev_class',
    `WHERE d.refclassid = '${on.catalog}'::regclass AND d.refobjid = ${on.oid} AND d.deptype = 'n'`,
    '  AND v.oid IS DISTINCT FROM d.refobjid;',
  ].join('\n');
}

/** Offset of the last CASCADE keyword between `from` and `to` (tokens only: strings and comments never match). */
function cascadeAt(stmt: SqlStatement, from: number, to: number): number {
  const found = stmt.tokens.filter((t) => t.start >= from && t.start < to && t.text.toUpperCase() === 'CASCADE');
  return found[found.length - 1]?.start ?? stmt.start;
}

function finding(stmt: SqlStatement, offset: number, key: 'up' | 'down', target: Target | undefined): Finding {
  const text = briefSql(statementText(stmt), 80);
  const where = key === 'down' ? 'this rollback' : 'this step';
  return sqlFinding(
    banDropCascade,
    stmt,
    offset,
    `\`${text}\`: CASCADE also drops every view, materialized view, foreign key or function that depends on it, ` +
      `objects ${where} does not name; readers of those break and they are gone for good`,
    [
      'drop the dependents by name first (each in its own step, recreated if they are still needed), then drop ' +
        'without CASCADE: PostgreSQL then refuses instead of deleting what the plan did not name. List them with ' +
        '(and again for each one found: CASCADE goes on to their dependents too):',
      dependentsRecipe(target)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    ].join('\n'),
  );
}

function findingsOf(stmt: SqlStatement, key: 'up' | 'down'): Finding[] {
  const end = stmt.tokens[stmt.tokens.length - 1]?.end ?? stmt.start;
  const { node } = stmt;
  if (stmt.type === 'DropStmt' && node.behavior === 'DROP_CASCADE')
    return [finding(stmt, cascadeAt(stmt, stmt.start, end), key, dropTarget(node))];
  if ((stmt.type === 'DropOwnedStmt' || stmt.type === 'AlterDomainStmt') && node.behavior === 'DROP_CASCADE')
    return [finding(stmt, cascadeAt(stmt, stmt.start, end), key, undefined)];
  if (stmt.type !== 'AlterTableStmt') return [];
  const relation = node.relation as AstNode | undefined;
  const table = { catalog: 'pg_class', oid: `${quoteLiteral(tableName(relation))}::regclass` };
  return alterCommands(stmt)
    .filter((c) => c.cmd.behavior === 'DROP_CASCADE')
    .map((c) => finding(stmt, cascadeAt(stmt, c.offset, c.end), key, relation ? table : undefined));
}

export const banDropCascade: Rule = {
  id: 'ban-drop-cascade',
  severity: 'error',
  description:
    'DROP … CASCADE (or ALTER TABLE … DROP COLUMN / CONSTRAINT … CASCADE) in a sql step, up or down: it drops ' +
    'dependents the plan does not name.',
  check: (ctx: LintContext) => [
    ...sqlSourcesOf(ctx).flatMap((s) => s.statements.flatMap((stmt) => findingsOf(stmt, 'up'))),
    ...sqlDownSourcesOf(ctx).flatMap((s) => s.statements.flatMap((stmt) => findingsOf(stmt, 'down'))),
  ],
};
