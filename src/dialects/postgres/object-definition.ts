/**
 * What an object by a plan's name looks like in the catalog now, as one jsonb row (`def`), for the
 * ownership check (`src/runner/ownership.ts` compares it with the plan's definition).
 */
import { foreignObjectDefinition } from './foreign-objects.js';
import type { DbObject } from '../probes.js';
import { quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { inTableSchema, regclass } from './regclass.js';
import { catalogType } from './serial-types.js';

function attnames(rel: string, keys: string): string {
  return (
    `(SELECT jsonb_agg(a.attname ORDER BY k.ord) FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, ord) ` +
    `JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum)`
  );
}

function columnDefinition(o: Extract<DbObject, { kind: 'column' }>): string {
  const sameType = o.type === undefined ? 'NULL' : `a.atttypid = to_regtype(${literal(o.type)})`;
  return (
    `SELECT (SELECT jsonb_build_object('type', format_type(a.atttypid, a.atttypmod), ` +
    `'same_type', ${sameType}, 'not_null', a.attnotnull, 'default', pg_get_expr(ad.adbin, ad.adrelid),
    'collation', CASE WHEN a.attcollation <> ty.typcollation THEN (SELECT quote_ident(collname) FROM ` +
    `pg_collation WHERE oid = a.attcollation) END)
  FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid ` +
    `AND ad.adnum = a.attnum
  WHERE a.attrelid = ${regclass(o.table)} AND a.attname = ${literal(o.name)} AND NOT a.attisdropped AND ` +
    `a.attnum > 0) AS def`
  );
}

/**
 * Per key: its operator class (and whether it is its type's default), its collation and its
 * indoption bits (1 DESC, 2 NULLS FIRST).
 */
const INDEX_KEY_OPTIONS =
  `(SELECT jsonb_agg(jsonb_build_object('opclass', oc.opcname, 'opclass_schema', ocn.nspname, 'opclass_default', ` +
  `oc.opcdefault, 'collation', co.collname, 'collation_schema', con.nspname, 'option', k.opt) ORDER BY k.ord) ` +
  `FROM unnest(i.indclass::oid[], i.indcollation::oid[], i.indoption::int2[]) WITH ORDINALITY AS k(cls, coll, opt, ord) ` +
  `LEFT JOIN pg_opclass oc ON oc.oid = k.cls LEFT JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace ` +
  `LEFT JOIN pg_collation co ON co.oid = k.coll LEFT JOIN pg_namespace con ON con.oid = co.collnamespace ` +
  `WHERE k.ord <= i.indnkeyatts)`;

function indexDefinition(o: Extract<DbObject, { kind: 'index' }>): string {
  return (
    `SELECT (SELECT CASE WHEN c.relkind NOT IN ('i', 'I') THEN jsonb_build_object('relkind', ` +
    `c.relkind::text) ELSE (
    SELECT jsonb_build_object('same_table', i.indrelid = ${regclass(o.table)}, 'unique', i.indisunique, ` +
    `'valid', i.indisvalid, 'method', am.amname,
      'keys', (SELECT jsonb_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(1, ` +
    `i.indnkeyatts) AS k),
      'include', (SELECT jsonb_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM ` +
    `generate_series(i.indnkeyatts + 1, i.indnatts) AS k),
      'where', pg_get_expr(i.indpred, i.indrelid), 'indexdef', pg_get_indexdef(i.indexrelid),
      'key_options', ${INDEX_KEY_OPTIONS}, 'reloptions', to_jsonb(c.reloptions),
      'tablespace', (SELECT spcname FROM pg_tablespace WHERE oid = c.reltablespace),
      'nulls_not_distinct', to_jsonb(i) -> 'indnullsnotdistinct')
    FROM pg_index i JOIN pg_am am ON am.oid = c.relam WHERE i.indexrelid = c.oid) END
  FROM pg_class c WHERE c.oid = ${regclass(inTableSchema(o.name, o.table))}) AS def`
  );
}

/** confdelsetcols (PostgreSQL 15+; NULL before, and when the action sets every key column). */
const DELETE_SET_COLUMNS =
  `ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(to_jsonb(c) -> 'confdelsetcols') WHEN 'array' ` +
  `THEN to_jsonb(c) -> 'confdelsetcols' END))::int2[]`;

function constraintDefinition(o: Extract<DbObject, { kind: 'constraint' }>): string {
  return (
    `SELECT (SELECT jsonb_build_object('type', c.contype::text, 'expression', CASE WHEN c.contype = 'c' ` +
    `THEN pg_get_expr(c.conbin, c.conrelid) END,
    'columns', ${attnames('c.conrelid', 'c.conkey')},
    'same_references', c.confrelid = ${o.references ? regclass(o.references.table) : 'c.confrelid'},
    'ref_columns', ${attnames('c.confrelid', 'c.confkey')}, 'on_delete', c.confdeltype::text, 'on_update', ` +
    `c.confupdtype::text,
    'deferrable', c.condeferrable, 'deferred', c.condeferred, 'match', c.confmatchtype::text, 'validated', ` +
    `c.convalidated, 'no_inherit', c.connoinherit,
    'delete_set_columns', ${attnames('c.conrelid', DELETE_SET_COLUMNS)})
  FROM pg_constraint c WHERE c.conrelid = ${regclass(o.table)} AND c.conname = ${literal(o.name)}) AS def`
  );
}

function triggerDefinition(o: Extract<DbObject, { kind: 'trigger' }>): string {
  const fn = literal(`${qualified(inTableSchema(o.function, o.table))}()`);
  return (
    `SELECT (SELECT jsonb_build_object('function', p.proname, 'same_function', t.tgfoid = to_regprocedure(${fn}),
    'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled::text) FROM pg_trigger t JOIN pg_proc p ON ` +
    `p.oid = t.tgfoid
  WHERE t.tgrelid = ${regclass(o.table)} AND t.tgname = ${literal(o.name)} AND NOT t.tgisinternal) AS def`
  );
}

/** The relation's kind and columns, with for each column the plan names whether its base type is the plan's. */
function tableDefinition(o: Extract<DbObject, { kind: 'table' }>): string {
  const planned = (o.columns ?? []).map((c) => `(${literal(c.name)}, ${literal(catalogType(c.type))})`);
  const sameTypes =
    planned.length === 0
      ? `'{}'::jsonb`
      : `(SELECT jsonb_object_agg(p.name, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND ` +
        `a.attname = p.name AND NOT a.attisdropped AND a.atttypid = to_regtype(p.type))) FROM (VALUES ` +
        `${planned.join(', ')}) AS p(name, type))`;
  return (
    `SELECT (SELECT jsonb_build_object('relkind', c.relkind::text, 'columns', (SELECT jsonb_agg(jsonb_build_object(` +
    `'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull) ORDER BY a.attnum) ` +
    `FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), 'same_types', ` +
    `${sameTypes}) FROM pg_class c WHERE c.oid = ${regclass(o.name)}) AS def`
  );
}

export function objectDefinition(o: DbObject): string {
  switch (o.kind) {
    case 'column':
      return columnDefinition(o);
    case 'index':
      return indexDefinition(o);
    case 'constraint':
      return constraintDefinition(o);
    case 'trigger':
      return triggerDefinition(o);
    case 'function':
      return (
        `SELECT (SELECT jsonb_build_object('function', proname) FROM pg_proc WHERE oid = ` +
        `to_regprocedure(${literal(`${qualified(o.name)}()`)})) AS def`
      );
    case 'view':
      return `SELECT (SELECT jsonb_build_object('relkind', relkind::text) FROM pg_class WHERE oid = ${regclass(o.name)}) AS def`;
    case 'table property':
      return 'SELECT NULL::jsonb AS def';
    case 'materialized view':
      return (
        `SELECT (SELECT jsonb_build_object('relkind', relkind::text, 'query', CASE WHEN relkind = 'm' THEN ` +
        `pg_get_viewdef(oid) END) FROM pg_class WHERE oid = ${regclass(o.name)}) AS def`
      );
    case 'table':
      return tableDefinition(o);
    case 'extension':
    case 'foreign server':
    case 'user mapping':
    case 'schema':
      return foreignObjectDefinition(o);
  }
}
