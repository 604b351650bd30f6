/**
 * How an object that already exists differs from the plan's definition of it: the check before a
 * step takes over (`if_exists: adopt`) an object it did not create. Reads the row of
 * object-definition.ts (probes.objectDefinition). SQL fragments (defaults, index expressions, predicates,
 * CHECK expressions) are compared as parse trees, so `'x'::text` equals `'x'` and parentheses do
 * not count; anything else that differs is reported, never guessed away.
 */
import { foreignObjectDifferences } from './foreign-objects.js';
import { parseSql } from './sql/parser.js';
import { canonical, sameQuery, triggerShapeDifferences, typeModifiers } from './definition-shapes.js';
import { keyOptionDifferences, storageDifferences } from './index-differences.js';
import { REFERENTIAL_ACTION_CODES } from './referential-actions.js';
import type { DbObject } from '../probes.js';

export type LiveDefinition = Record<string, unknown>;

const CONSTRAINT_TYPES: Record<string, string> = {
  c: 'check',
  f: 'foreign key',
  u: 'unique',
  p: 'primary key',
  x: 'exclusion',
  t: 'trigger',
};
const TRIGGER_ENABLED: Record<string, string> = {
  D: 'disabled',
  R: 'fired only when session_replication_role = replica (ENABLE REPLICA)',
  A: 'fired in replica sessions too (ENABLE ALWAYS)',
};
const RELKINDS: Record<string, string> = {
  r: 'table',
  i: 'index',
  I: 'partitioned index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  c: 'composite type',
  f: 'foreign table',
  p: 'partitioned table',
};

/** A canonical form of one SQL value expression, or the text itself when it does not parse. */
export function canonicalExpression(text: string): string {
  const parsed = parseSql(`SELECT ${text}`);
  if (!parsed.ok) return text.trim();
  const target = (
    parsed.result.stmts?.[0]?.stmt as { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } | undefined
  )?.SelectStmt?.targetList;
  if (!target || target.length !== 1) return text.trim();
  return JSON.stringify(canonical(target[0]?.ResTarget?.val));
}

function sameExpression(a: string, b: string): boolean {
  return canonicalExpression(a) === canonicalExpression(b);
}

function sameList(plan: string[], live: unknown): boolean {
  const actual = Array.isArray(live) ? live.map(String) : [];
  return plan.length === actual.length && plan.every((p, i) => sameExpression(p, actual[i] ?? ''));
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `(${value.join(', ')})`;
  const scalar = value as string | number | boolean | null | undefined; // a catalog column: arrays are handled above
  return scalar === null || scalar === undefined ? 'none' : String(scalar);
}

/** A catalog text column as text, '' when NULL. */
function textOf(value: unknown): string {
  return value === null || value === undefined ? '' : show(value);
}

function columnDifferences(o: Extract<DbObject, { kind: 'column' }>, live: LiveDefinition): string[] {
  const out: string[] = [];
  const sameType = live.same_type === true && typeModifiers(o.type ?? '') === typeModifiers(String(live.type));
  if (o.type !== undefined && !sameType) out.push(`type is ${show(live.type)}, the plan says ${o.type}`);
  if (o.type !== undefined && typeof live.collation === 'string')
    out.push(`its collation is ${live.collation}, the plan's column has its type's default collation`);
  if (o.nullable !== undefined && o.nullable === (live.not_null === true))
    out.push(`it is ${live.not_null ? 'NOT NULL' : 'nullable'}, the plan says ${o.nullable ? 'nullable' : 'NOT NULL'}`);
  const liveDefault = typeof live.default === 'string' ? live.default : undefined;
  const sameDefault =
    o.default === undefined
      ? liveDefault === undefined
      : liveDefault !== undefined && sameExpression(o.default, liveDefault);
  if (!sameDefault) out.push(`default is ${liveDefault ?? 'none'}, the plan says ${o.default ?? 'none'}`);
  return out;
}

function indexDifferences(o: Extract<DbObject, { kind: 'index' }>, live: LiveDefinition): string[] {
  if (typeof live.relkind === 'string') return [`it is ${RELKINDS[live.relkind] ?? live.relkind}, not an index`];
  const out: string[] = [];
  if (live.same_table !== true) out.push(`it indexes another table, not ${o.table}`);
  if (live.valid !== true) out.push('it is INVALID (a failed CREATE INDEX CONCURRENTLY)');
  if (o.unique !== undefined && o.unique !== (live.unique === true))
    out.push(`it is ${live.unique ? 'unique' : 'not unique'}, the plan says ${o.unique ? 'unique' : 'not unique'}`);
  if (o.method !== undefined && o.method !== live.method)
    out.push(`method is ${show(live.method)}, the plan says ${o.method}`);
  const keys = [...(o.columns ?? []), ...(o.expressions ?? [])];
  if (keys.length > 0 && !sameList(keys, live.keys))
    out.push(`keys are ${show(live.keys)}, the plan says (${keys.join(', ')})`);
  if ((o.include ?? []).length > 0 || Array.isArray(live.include)) {
    if (!sameList(o.include ?? [], live.include ?? []))
      out.push(`INCLUDE is ${show(live.include)}, the plan says ${show(o.include)}`);
  }
  if (keys.length > 0) out.push(...keyOptionDifferences(o, live), ...storageDifferences(o, live));
  const where = typeof live.where === 'string' ? live.where : undefined;
  if (
    keys.length > 0 &&
    (o.where === undefined ? where !== undefined : where === undefined || !sameExpression(o.where, where))
  ) {
    out.push(`WHERE is ${where ?? 'none'}, the plan says ${o.where ?? 'none'}`);
  }
  return out;
}

function deferrableText(deferrable: boolean, deferred: boolean): string {
  return deferrable ? `DEFERRABLE INITIALLY ${deferred ? 'DEFERRED' : 'IMMEDIATE'}` : 'NOT DEFERRABLE';
}

function deferrableDifferences(o: Extract<DbObject, { kind: 'constraint' }>, live: LiveDefinition): string[] {
  const plan = deferrableText(o.deferrable !== undefined, o.deferrable?.initiallyDeferred === true);
  const actual = deferrableText(live.deferrable === true, live.deferred === true);
  return plan === actual ? [] : [`it is ${actual}, the plan's is ${plan}`];
}

function constraintDifferences(o: Extract<DbObject, { kind: 'constraint' }>, live: LiveDefinition): string[] {
  const type = CONSTRAINT_TYPES[String(live.type)] ?? String(live.type);
  if (o.type !== undefined && type !== o.type)
    return [`it is a ${type} constraint, the plan adds a ${o.type} constraint`];
  const out: string[] = [];
  if (o.expression !== undefined && !sameExpression(o.expression, textOf(live.expression)))
    out.push(`its condition is ${show(live.expression)}, the plan says ${o.expression}`);
  if (o.columns && show(o.columns) !== show(live.columns))
    out.push(`its columns are ${show(live.columns)}, the plan says ${show(o.columns)}`);
  out.push(...deferrableDifferences(o, live));
  if (o.noInherit !== undefined && o.noInherit !== (live.no_inherit === true))
    out.push(`it is ${live.no_inherit ? 'NO INHERIT' : 'inherited by child tables'}, the plan says the other`);
  if (o.validated === true && live.validated === false)
    out.push(
      "it is NOT VALID (existing rows were never checked), the plan's is validated: VALIDATE it first, or drop it",
    );
  const ref = o.references;
  if (ref) {
    const match = ref.match ?? 'simple';
    const liveMatch = live.match === 's' ? 'simple' : live.match === 'f' ? 'full' : show(live.match);
    if (liveMatch !== match)
      out.push(`it is MATCH ${liveMatch.toUpperCase()}, the plan's is MATCH ${match.toUpperCase()}`);
    if (show(ref.onDeleteColumns ?? null) !== show(live.delete_set_columns ?? null))
      out.push(
        `its ON DELETE sets ${show(live.delete_set_columns ?? 'all key columns')}, the plan says ` +
          `${show(ref.onDeleteColumns ?? 'all key columns')}`,
      );
    if (live.same_references !== true) out.push(`it references another table, not ${ref.table}`);
    if (show(ref.columns) !== show(live.ref_columns))
      out.push(`it references columns ${show(live.ref_columns)}, the plan says ${show(ref.columns)}`);
    const onDelete = REFERENTIAL_ACTION_CODES[String(live.on_delete)];
    const onUpdate = REFERENTIAL_ACTION_CODES[String(live.on_update)];
    if (ref.onDelete !== undefined && ref.onDelete !== onDelete)
      out.push(`ON DELETE is ${onDelete}, the plan says ${ref.onDelete}`);
    if (ref.onUpdate !== undefined && ref.onUpdate !== onUpdate)
      out.push(`ON UPDATE is ${onUpdate}, the plan says ${ref.onUpdate}`);
  }
  return out;
}

function triggerDifferences(o: Extract<DbObject, { kind: 'trigger' }>, live: LiveDefinition): string[] {
  if (live.same_function !== true) return [`it runs ${show(live.function)}(), the plan's runs ${o.function}()`];
  const out = triggerShapeDifferences(textOf(live.definition));
  if (live.enabled !== 'O')
    out.push(
      `it is ${TRIGGER_ENABLED[String(live.enabled)] ?? `enabled as ${show(live.enabled)}`}, the plan's fires ` +
        `in ordinary sessions (ENABLE)`,
    );
  return out;
}

function materializedViewDifferences(
  o: Extract<DbObject, { kind: 'materialized view' }>,
  live: LiveDefinition,
): string[] {
  if (live.relkind !== 'm')
    return [`it is ${RELKINDS[String(live.relkind)] ?? String(live.relkind)}, not a materialized view`];
  if (o.query === undefined || sameQuery(o.query, textOf(live.query))) return [];
  return [
    `its query does not read the same as the plan's (compared as parsed SQL; the server prints it ` +
      `as: ${textOf(live.query).replace(/\s+/g, ' ').trim()})`,
  ];
}

interface LiveTableColumn {
  name: string;
  type: string;
  not_null: boolean;
}

/** Same columns (names, base types and typmods, nullability); constraints, defaults and comments are not compared. */
function tableDifferences(o: Extract<DbObject, { kind: 'table' }>, live: LiveDefinition): string[] {
  if (live.relkind !== 'r' && live.relkind !== 'p')
    return [`it is ${RELKINDS[String(live.relkind)] ?? String(live.relkind)}, not a table`];
  const columns = Array.isArray(live.columns) ? (live.columns as LiveTableColumn[]) : [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  const sameTypes = (live.same_types ?? {}) as Record<string, boolean>;
  const planned = o.columns ?? [];
  const out: string[] = [];
  for (const p of planned) {
    const c = byName.get(p.name);
    if (!c) {
      out.push(`it has no column ${p.name}`);
      continue;
    }
    if (sameTypes[p.name] !== true || typeModifiers(p.type) !== typeModifiers(c.type))
      out.push(`column ${p.name} is ${c.type}, the plan says ${p.type}`);
    if (p.nullable === c.not_null)
      out.push(
        `column ${p.name} is ${c.not_null ? 'NOT NULL' : 'nullable'}, the plan says ${p.nullable ? 'nullable' : 'NOT NULL'}`,
      );
  }
  const extra = columns.filter((c) => !planned.some((p) => p.name === c.name)).map((c) => c.name);
  if (o.columns && extra.length > 0) out.push(`it has columns the plan does not: ${extra.join(', ')}`);
  return out;
}

/** Every way the existing object differs from the plan's definition; empty when it matches. */
export function definitionDifferences(o: DbObject, live: LiveDefinition): string[] {
  switch (o.kind) {
    case 'column':
      return columnDifferences(o, live);
    case 'index':
      return indexDifferences(o, live);
    case 'constraint':
      return constraintDifferences(o, live);
    case 'trigger':
      return triggerDifferences(o, live);
    case 'function':
      return ['schemashift does not take over a function it did not write (its body cannot be compared)'];
    case 'materialized view':
      return materializedViewDifferences(o, live);
    case 'table':
      return tableDifferences(o, live);
    case 'view':
      return live.relkind === 'v'
        ? []
        : [`it is ${RELKINDS[String(live.relkind)] ?? String(live.relkind)}, not a view`];
    case 'table property':
      return [];
    case 'extension':
    case 'foreign server':
    case 'user mapping':
    case 'schema':
      return foreignObjectDifferences(o, live);
  }
}
