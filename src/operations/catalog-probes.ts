/**
 * Catalog queries that tell whether a step's effect is already in place. Each returns one row
 * with one boolean column. Tables are resolved with to_regclass, so search_path applies exactly as
 * it does for the step's own SQL.
 */
import type { Dialect } from '../dialects/dialect.js';
import { splitQualified } from '../dialects/dialect.js';
import type { DbObject } from './types.js';

function regclass(d: Dialect, table: string): string {
  return `to_regclass(${d.literal(d.qualified(table))})`;
}

export function columnExists(d: Dialect, table: string, column: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attisdropped)`;
}

/** The column exists with this type (typmod aside): a column of another type is not "done". */
export function columnExistsWithType(d: Dialect, table: string, column: string, type: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attisdropped AND atttypid = to_regtype(${d.literal(type)}))`;
}

export function columnAbsent(d: Dialect, table: string, column: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attisdropped)`;
}

export function columnNotNull(d: Dialect, table: string, column: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND attnotnull AND NOT attisdropped)`;
}

export function columnNullable(d: Dialect, table: string, column: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attnotnull AND NOT attisdropped)`;
}

/** A *valid* index by that name; an INVALID leftover of a failed CONCURRENTLY build does not count. */
export function validIndexExists(d: Dialect, index: string, table: string): string {
  const { schema } = splitQualified(table);
  const qualifiedIndex = schema === undefined ? index : `${schema}.${index}`;
  return `SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = ${regclass(d, qualifiedIndex)} AND indisvalid)`;
}

export function indexAbsent(d: Dialect, index: string, table: string): string {
  const { schema } = splitQualified(table);
  const qualifiedIndex = schema === undefined ? index : `${schema}.${index}`;
  return `SELECT ${regclass(d, qualifiedIndex)} IS NULL`;
}

export function constraintExists(d: Dialect, table: string, constraint: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(d, table)} AND conname = ${d.literal(constraint)})`;
}

export function constraintValidated(d: Dialect, table: string, constraint: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(d, table)} AND conname = ${d.literal(constraint)} AND convalidated)`;
}

export function constraintAbsent(d: Dialect, table: string, constraint: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(d, table)} AND conname = ${d.literal(constraint)})`;
}

export function triggerExists(d: Dialect, table: string, trigger: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${regclass(d, table)} AND tgname = ${d.literal(trigger)})`;
}

export function triggerAbsent(d: Dialect, table: string, trigger: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${regclass(d, table)} AND tgname = ${d.literal(trigger)})`;
}

export function relationExists(d: Dialect, name: string): string {
  return `SELECT ${regclass(d, name)} IS NOT NULL`;
}

export function relationAbsent(d: Dialect, name: string): string {
  return `SELECT ${regclass(d, name)} IS NULL`;
}

/** True when any of the given probes is true: an effect can be in place in more than one shape. */
export function anyOf(...probes: string[]): string {
  return `SELECT ${probes.map((p) => `(${p})`).join(' OR ')}`;
}

/** The column exists with this base type (a typmod such as varchar(255) is not compared). */
export function columnHasType(d: Dialect, table: string, column: string, type: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND atttypid = to_regtype(${d.literal(type)}) AND NOT attisdropped)`;
}

/** After a build-beside swap: the old relation is parked under `retired` and `building` is gone. */
export function relationsSwapped(d: Dialect, building: string, retired: string): string {
  return `SELECT ${regclass(d, retired)} IS NOT NULL AND ${regclass(d, building)} IS NULL`;
}

/** "column orders.total", "index orders_total_idx on orders": an object as people name it. */
export function describeObject(o: DbObject): string {
  switch (o.kind) {
    case 'column': return `column ${o.table}.${o.name}`;
    case 'index': return `index ${o.name} on ${o.table}`;
    case 'constraint': return `${o.type === undefined ? '' : `${o.type} `}constraint ${o.name} on ${o.table}`;
    case 'trigger': return `trigger ${o.name} on ${o.table}`;
    case 'function': return `function ${o.name}()`;
    case 'materialized view': return `materialized view ${o.name}`;
  }
}

/** Same object, whatever its definition: the identity that "this plan creates X" and "this plan removes X" share. */
export function objectKey(o: DbObject): string {
  return 'table' in o ? `${o.kind}\u0000${o.table}\u0000${o.name}` : `${o.kind}\u0000${o.name}`;
}

/** An index (or a sync trigger's function) lives in its table's schema. */
function inTableSchema(index: string, table: string): string {
  const { schema } = splitQualified(table);
  return schema === undefined ? index : `${schema}.${index}`;
}

function attnames(d: Dialect, rel: string, keys: string): string {
  return `(SELECT jsonb_agg(a.attname ORDER BY k.ord) FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum)`;
}

/**
 * The definition of the object by that name as it exists now: one row, one column `def` (jsonb),
 * NULL when nothing by that name exists. `src/runner/ownership.ts` compares it with the plan's.
 */
export function objectDefinition(d: Dialect, o: DbObject): string {
  switch (o.kind) {
    case 'column':
      return `SELECT (SELECT jsonb_build_object('type', format_type(a.atttypid, a.atttypmod), 'same_type', ${o.type === undefined ? 'NULL' : `a.atttypid = to_regtype(${d.literal(o.type)})`}, 'not_null', a.attnotnull, 'default', pg_get_expr(ad.adbin, ad.adrelid),
    'collation', CASE WHEN a.attcollation <> ty.typcollation THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation) END)
  FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attrelid = ${regclass(d, o.table)} AND a.attname = ${d.literal(o.name)} AND NOT a.attisdropped AND a.attnum > 0) AS def`;
    case 'index':
      return `SELECT (SELECT CASE WHEN c.relkind NOT IN ('i', 'I') THEN jsonb_build_object('relkind', c.relkind::text) ELSE (
    SELECT jsonb_build_object('same_table', i.indrelid = ${regclass(d, o.table)}, 'unique', i.indisunique, 'valid', i.indisvalid, 'method', am.amname,
      'keys', (SELECT jsonb_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(1, i.indnkeyatts) AS k),
      'include', (SELECT jsonb_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k),
      'where', pg_get_expr(i.indpred, i.indrelid), 'indexdef', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_am am ON am.oid = c.relam WHERE i.indexrelid = c.oid) END
  FROM pg_class c WHERE c.oid = ${regclass(d, inTableSchema(o.name, o.table))}) AS def`;
    case 'constraint':
      return `SELECT (SELECT jsonb_build_object('type', c.contype::text, 'expression', CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid) END,
    'columns', ${attnames(d, 'c.conrelid', 'c.conkey')},
    'same_references', c.confrelid = ${o.references ? regclass(d, o.references.table) : 'c.confrelid'},
    'ref_columns', ${attnames(d, 'c.confrelid', 'c.confkey')}, 'on_delete', c.confdeltype::text, 'on_update', c.confupdtype::text,
    'deferrable', c.condeferrable, 'deferred', c.condeferred, 'match', c.confmatchtype::text, 'validated', c.convalidated)
  FROM pg_constraint c WHERE c.conrelid = ${regclass(d, o.table)} AND c.conname = ${d.literal(o.name)}) AS def`;
    case 'trigger':
      return `SELECT (SELECT jsonb_build_object('function', p.proname, 'same_function', t.tgfoid = to_regprocedure(${d.literal(`${d.qualified(inTableSchema(o.function, o.table))}()`)}),
    'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled::text) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
  WHERE t.tgrelid = ${regclass(d, o.table)} AND t.tgname = ${d.literal(o.name)} AND NOT t.tgisinternal) AS def`;
    case 'function':
      return `SELECT (SELECT jsonb_build_object('function', proname) FROM pg_proc WHERE oid = to_regprocedure(${d.literal(`${d.qualified(o.name)}()`)})) AS def`;
    case 'materialized view':
      return `SELECT (SELECT jsonb_build_object('relkind', relkind::text, 'query', CASE WHEN relkind = 'm' THEN pg_get_viewdef(oid) END) FROM pg_class WHERE oid = ${regclass(d, o.name)}) AS def`;
  }
}
