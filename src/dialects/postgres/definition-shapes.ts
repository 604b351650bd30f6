/**
 * Parse-tree readings of what the catalog prints (pg_get_indexdef, pg_get_triggerdef,
 * pg_get_viewdef, format_type), for object-differences.ts: each part that can differ from the
 * plan's definition is read from the statement the server prints, never from its text.
 */
import { astText } from './sql/ast.js';
import { parseSql } from './sql/parser.js';

type AstNode = Record<string, unknown>;

/** Drops positions; a cast of a constant or a column is the thing cast (the catalog adds such casts). */
export function canonical(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonical);
  if (node === null || typeof node !== 'object') return node;
  const record = node as AstNode;
  const cast = record.TypeCast as { arg?: AstNode } | undefined;
  if (cast?.arg && ('A_Const' in cast.arg || 'ColumnRef' in cast.arg)) return canonical(cast.arg);
  if (record.A_Const) return { const: constText(record.A_Const as AstNode) };
  const minus = record.A_Expr as { name?: unknown; lexpr?: unknown; rexpr?: AstNode } | undefined;
  if (minus && minus.lexpr === undefined && minus.rexpr?.A_Const && JSON.stringify(minus.name).includes('"-"')) {
    return { const: `-${constText(minus.rexpr.A_Const as AstNode)}` };
  }
  const out: AstNode = {};
  for (const [key, value] of Object.entries(record)) if (key !== 'location') out[key] = canonical(value);
  return out;
}

function constText(c: AstNode): string {
  if (c.isnull === true) return 'NULL';
  for (const key of ['ival', 'fval', 'sval', 'boolval', 'bsval'] as const) {
    const holder = c[key] as AstNode | undefined;
    if (holder !== undefined) return astText(holder[key] ?? (key === 'ival' ? 0 : key === 'boolval' ? false : ''));
  }
  return JSON.stringify(c);
}

function firstStatement(sql: string): AstNode | undefined {
  const parsed = parseSql(sql);
  return parsed.ok && parsed.result.stmts?.length === 1 ? parsed.result.stmts[0]?.stmt : undefined;
}

function names(list: unknown): string {
  return Array.isArray(list)
    ? list.map((n) => String((n as { String?: { sval?: string } }).String?.sval ?? '')).join('.')
    : '';
}

/**
 * What a key of an index has beyond the plain column or expression: `COLLATE "C" text_pattern_ops DESC NULLS LAST`, or
 * ''.
 */
function keyOptions(elem: AstNode): string {
  const parts: string[] = [];
  if (elem.collation) parts.push(`COLLATE ${names(elem.collation)}`);
  if (elem.opclass) parts.push(names(elem.opclass));
  if (elem.ordering === 'SORTBY_DESC') parts.push('DESC');
  if (elem.nulls_ordering === 'SORTBY_NULLS_FIRST') parts.push('NULLS FIRST');
  if (elem.nulls_ordering === 'SORTBY_NULLS_LAST') parts.push('NULLS LAST');
  return parts.join(' ');
}

/**
 * The parts of `pg_get_indexdef(oid)` that a plain key list does not have: per key, a non-default
 * collation, operator class or order (the server prints only those), and NULLS NOT DISTINCT.
 * Undefined when the text does not read as one CREATE INDEX.
 */
export function indexKeyOptions(indexdef: string): { keys: string[]; nullsNotDistinct: boolean } | undefined {
  const stmt = firstStatement(indexdef)?.IndexStmt as
    { indexParams?: { IndexElem?: AstNode }[]; nulls_not_distinct?: boolean } | undefined;
  if (!stmt?.indexParams) return undefined;
  return {
    keys: stmt.indexParams.map((p) => keyOptions(p.IndexElem ?? {})),
    nullsNotDistinct: stmt.nulls_not_distinct === true,
  };
}

type CastTarget = { SelectStmt?: { targetList?: { ResTarget?: { val?: { TypeCast?: { typeName?: AstNode } } } }[] } };

/** The dotted name parts of a type as written (`serial`, `public.money2`), or [] when it does not parse. */
export function typeNameParts(type: string): string[] {
  const parsed = parseSql(`SELECT NULL::${type}`);
  if (!parsed.ok) return [];
  const stmt = parsed.result.stmts?.[0]?.stmt as CastTarget | undefined;
  const names = stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val?.TypeCast?.typeName?.names;
  return Array.isArray(names) ? names.map((n) => String((n as { String?: { sval?: string } }).String?.sval ?? '')) : [];
}

/** Types whose column without a length has length 1 (`char` is `character(1)`, `bit` is `bit(1)`). */
const LENGTH_ONE_BY_DEFAULT = new Set(['bpchar', 'bit']);

/**
 * A type's modifiers and whether it is an array, canonical (`varchar(100)` and `character varying(100)`
 * agree; PostgreSQL keeps neither array sizes nor dimensions); undefined when it does not parse.
 */
export function typeModifiers(type: string): string | undefined {
  const target = (
    firstStatement(`SELECT NULL::${type}`)?.SelectStmt as
      { targetList?: { ResTarget?: { val?: { TypeCast?: { typeName?: AstNode } } } }[] } | undefined
  )?.targetList;
  const typeName = target?.length === 1 ? target[0]?.ResTarget?.val?.TypeCast?.typeName : undefined;
  if (!typeName) return undefined;
  const given = canonical(typeName.typmods ?? []) as unknown[];
  const base = names(typeName.names).split('.').pop() ?? '';
  const typmods = given.length === 0 && LENGTH_ONE_BY_DEFAULT.has(base) ? [{ const: '1' }] : given;
  return JSON.stringify({ typmods, array: Array.isArray(typeName.arrayBounds) && typeName.arrayBounds.length > 0 });
}

/** TRIGGER_TYPE_BEFORE, and INSERT | UPDATE: the shape of every trigger schemashift creates (a sync trigger). */
const BEFORE = 2;
const INSERT_OR_UPDATE = 4 | 16;

/** How `pg_get_triggerdef(oid)` differs from `BEFORE INSERT OR UPDATE … FOR EACH ROW EXECUTE FUNCTION fn()`. */
export function triggerShapeDifferences(definition: string): string[] {
  const stmt = firstStatement(definition)?.CreateTrigStmt as AstNode | undefined;
  if (!stmt) return [`its definition could not be read (${definition})`];
  const out: string[] = [];
  if (stmt.row !== true || stmt.timing !== BEFORE || stmt.events !== INSERT_OR_UPDATE)
    out.push('it is not a BEFORE INSERT OR UPDATE … FOR EACH ROW trigger');
  if (stmt.columns) out.push(`it fires only on UPDATE OF ${names(stmt.columns)}`);
  if (stmt.whenClause) out.push('it has a WHEN condition');
  if (stmt.args) out.push('it passes arguments to its function');
  if (stmt.isconstraint === true) out.push('it is a constraint trigger');
  return out.length > 0
    ? [
        `${out.join(', ')} (it is: ${definition}); the plan's is BEFORE INSERT OR UPDATE FOR EACH ROW, with no ` +
          `condition or arguments`,
      ]
    : [];
}

/** Two queries read the same, compared as parse trees (positions and casts of constants aside). */
export function sameQuery(a: string, b: string): boolean {
  const left = firstStatement(a);
  const right = firstStatement(b);
  return (
    left !== undefined && right !== undefined && JSON.stringify(canonical(left)) === JSON.stringify(canonical(right))
  );
}
