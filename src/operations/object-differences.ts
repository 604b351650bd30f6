/**
 * How an object that already exists differs from the plan's definition of it: the check before a
 * step takes over (`if_exists: adopt`) an object it did not create. Reads the row of
 * catalog-probes.ts objectDefinition(). SQL fragments (defaults, index expressions, predicates,
 * CHECK expressions) are compared as parse trees, so `'x'::text` equals `'x'` and parentheses do
 * not count; anything else that differs is reported, never guessed away.
 */
import { parseSql } from '../sql/parser.js';
import type { DbObject } from './types.js';

export type LiveDefinition = Record<string, unknown>;

const CONSTRAINT_TYPES: Record<string, string> = { c: 'check', f: 'foreign key', u: 'unique', p: 'primary key', x: 'exclusion', t: 'trigger' };
const ACTIONS: Record<string, string> = { a: 'no_action', r: 'restrict', c: 'cascade', n: 'set_null', d: 'set_default' };
const RELKINDS: Record<string, string> = { r: 'table', i: 'index', I: 'partitioned index', S: 'sequence', v: 'view', m: 'materialized view', c: 'composite type', f: 'foreign table', p: 'partitioned table' };

/** A canonical form of one SQL value expression, or the text itself when it does not parse. */
export function canonicalExpression(text: string): string {
  const parsed = parseSql(`SELECT ${text}`);
  if (!parsed.ok) return text.trim();
  const target = (parsed.result.stmts?.[0]?.stmt as { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } | undefined)?.SelectStmt?.targetList;
  if (!target || target.length !== 1) return text.trim();
  return JSON.stringify(canonical(target[0]?.ResTarget?.val));
}

/** Drops positions; a cast of a constant or a column is the thing cast (the catalog adds such casts). */
function canonical(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonical);
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const cast = record.TypeCast as { arg?: Record<string, unknown> } | undefined;
  if (cast?.arg && ('A_Const' in cast.arg || 'ColumnRef' in cast.arg)) return canonical(cast.arg);
  if (record.A_Const) return { const: constText(record.A_Const as Record<string, unknown>) };
  const minus = record.A_Expr as { name?: unknown; lexpr?: unknown; rexpr?: Record<string, unknown> } | undefined;
  if (minus && minus.lexpr === undefined && minus.rexpr?.A_Const && JSON.stringify(minus.name).includes('"-"')) {
    return { const: `-${constText(minus.rexpr.A_Const as Record<string, unknown>)}` };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (key !== 'location') out[key] = canonical(value);
  return out;
}

function constText(c: Record<string, unknown>): string {
  if (c.isnull === true) return 'NULL';
  for (const key of ['ival', 'fval', 'sval', 'boolval', 'bsval'] as const) {
    const holder = c[key] as Record<string, unknown> | undefined;
    if (holder !== undefined) return String(holder[key] ?? (key === 'ival' ? 0 : key === 'boolval' ? false : ''));
  }
  return JSON.stringify(c);
}

function sameExpression(a: string, b: string): boolean {
  return canonicalExpression(a) === canonicalExpression(b);
}

function sameList(plan: string[], live: unknown): boolean {
  const actual = Array.isArray(live) ? live.map(String) : [];
  return plan.length === actual.length && plan.every((p, i) => sameExpression(p, actual[i] ?? ''));
}

function show(value: unknown): string {
  return Array.isArray(value) ? `(${value.join(', ')})` : value === null || value === undefined ? 'none' : String(value);
}

function columnDifferences(o: Extract<DbObject, { kind: 'column' }>, live: LiveDefinition): string[] {
  const out: string[] = [];
  if (o.type !== undefined && live.same_type !== true) out.push(`type is ${show(live.type)}, the plan says ${o.type}`);
  if (o.nullable !== undefined && o.nullable === (live.not_null === true)) out.push(`it is ${live.not_null ? 'NOT NULL' : 'nullable'}, the plan says ${o.nullable ? 'nullable' : 'NOT NULL'}`);
  const liveDefault = typeof live.default === 'string' ? live.default : undefined;
  const sameDefault = o.default === undefined ? liveDefault === undefined : liveDefault !== undefined && sameExpression(o.default, liveDefault);
  if (!sameDefault) out.push(`default is ${liveDefault ?? 'none'}, the plan says ${o.default ?? 'none'}`);
  return out;
}

function indexDifferences(o: Extract<DbObject, { kind: 'index' }>, live: LiveDefinition): string[] {
  if (typeof live.relkind === 'string') return [`it is ${RELKINDS[live.relkind] ?? live.relkind}, not an index`];
  const out: string[] = [];
  if (live.same_table !== true) out.push(`it indexes another table, not ${o.table}`);
  if (live.valid !== true) out.push('it is INVALID (a failed CREATE INDEX CONCURRENTLY)');
  if (o.unique !== undefined && o.unique !== (live.unique === true)) out.push(`it is ${live.unique ? 'unique' : 'not unique'}, the plan says ${o.unique ? 'unique' : 'not unique'}`);
  if (o.method !== undefined && o.method !== live.method) out.push(`method is ${show(live.method)}, the plan says ${o.method}`);
  const keys = [...(o.columns ?? []), ...(o.expressions ?? [])];
  if (keys.length > 0 && !sameList(keys, live.keys)) out.push(`keys are ${show(live.keys)}, the plan says (${keys.join(', ')})`);
  if ((o.include ?? []).length > 0 || Array.isArray(live.include)) {
    if (!sameList(o.include ?? [], live.include ?? [])) out.push(`INCLUDE is ${show(live.include)}, the plan says ${show(o.include)}`);
  }
  const where = typeof live.where === 'string' ? live.where : undefined;
  if (keys.length > 0 && (o.where === undefined ? where !== undefined : where === undefined || !sameExpression(o.where, where))) {
    out.push(`WHERE is ${where ?? 'none'}, the plan says ${o.where ?? 'none'}`);
  }
  return out;
}

function constraintDifferences(o: Extract<DbObject, { kind: 'constraint' }>, live: LiveDefinition): string[] {
  const type = CONSTRAINT_TYPES[String(live.type)] ?? String(live.type);
  if (o.type !== undefined && type !== o.type) return [`it is a ${type} constraint, the plan adds a ${o.type} constraint`];
  const out: string[] = [];
  if (o.expression !== undefined && !sameExpression(o.expression, String(live.expression ?? ''))) out.push(`its condition is ${show(live.expression)}, the plan says ${o.expression}`);
  if (o.columns && show(o.columns) !== show(live.columns)) out.push(`its columns are ${show(live.columns)}, the plan says ${show(o.columns)}`);
  const ref = o.references;
  if (ref) {
    if (live.same_references !== true) out.push(`it references another table, not ${ref.table}`);
    if (show(ref.columns) !== show(live.ref_columns)) out.push(`it references columns ${show(live.ref_columns)}, the plan says ${show(ref.columns)}`);
    const onDelete = ACTIONS[String(live.on_delete)];
    const onUpdate = ACTIONS[String(live.on_update)];
    if (ref.onDelete !== undefined && ref.onDelete !== onDelete) out.push(`ON DELETE is ${onDelete}, the plan says ${ref.onDelete}`);
    if (ref.onUpdate !== undefined && ref.onUpdate !== onUpdate) out.push(`ON UPDATE is ${onUpdate}, the plan says ${ref.onUpdate}`);
  }
  return out;
}

/** Every way the existing object differs from the plan's definition; empty when it matches. */
export function definitionDifferences(o: DbObject, live: LiveDefinition): string[] {
  switch (o.kind) {
    case 'column': return columnDifferences(o, live);
    case 'index': return indexDifferences(o, live);
    case 'constraint': return constraintDifferences(o, live);
    case 'trigger': return live.function === o.function ? [] : [`it runs ${show(live.function)}(), the plan's runs ${o.function}()`];
    case 'function': return ['schemashift does not take over a function it did not write (its body cannot be compared)'];
    case 'materialized view': return live.relkind === 'm' ? [] : [`it is ${RELKINDS[String(live.relkind)] ?? live.relkind}, not a materialized view`];
  }
}
