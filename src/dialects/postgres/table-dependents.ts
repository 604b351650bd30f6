/**
 * What depends on a table so that DROP TABLE without CASCADE fails: views and materialized views
 * reading it, foreign keys of other tables referencing it, tables inheriting from it, and anything
 * else pg_depend records as a normal dependency. The table's own parts (its indexes, constraints,
 * defaults and generated columns, sequences, triggers: anything with an automatic or internal
 * dependency on it) go with it and are not listed.
 */
import { dollarQuote } from './sql/statements.js';
import { quoteLiteral as literal } from './names.js';
import { regclass } from './regclass.js';

/**
 * One row per dependent of the tables `refobjid` ranges over (an SQL condition on `d.refobjid`):
 * `table_oid`, `what` (as people name it), `relation` (`schema.name` of the view or table holding
 * it, NULL when not a relation) and `constraint_name` (for a foreign key).
 */
export function dependentsQuery(refCondition: string): string {
  return `SELECT DISTINCT d.refobjid AS table_oid,
  CASE
    WHEN d.classid = 'pg_rewrite'::regclass THEN (CASE rc.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '
      ELSE 'rule on ' END) || rc.oid::regclass::text
    WHEN d.classid = 'pg_constraint'::regclass THEN 'foreign key ' || quote_ident(k.conname) || ' on ' ||
      kc.oid::regclass::text
    WHEN d.classid = 'pg_class'::regclass AND dc.relkind IN ('r', 'p', 'f') THEN 'table ' || dc.oid::regclass::text ||
      ' (inherits from it)'
    ELSE pg_describe_object(d.classid, d.objid, 0)
  END AS what,
  coalesce(rn.nspname || '.' || rc.relname, kn.nspname || '.' || kc.relname, dn.nspname || '.' || dc.relname) AS relation,
  k.conname AS constraint_name
FROM pg_depend d
LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
LEFT JOIN pg_class rc ON rc.oid = r.ev_class LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_constraint k ON d.classid = 'pg_constraint'::regclass AND k.oid = d.objid
LEFT JOIN pg_class kc ON kc.oid = k.conrelid LEFT JOIN pg_namespace kn ON kn.oid = kc.relnamespace
LEFT JOIN pg_class dc ON d.classid = 'pg_class'::regclass AND dc.oid = d.objid
LEFT JOIN pg_namespace dn ON dn.oid = dc.relnamespace
WHERE d.refclassid = 'pg_class'::regclass AND ${refCondition} AND d.deptype = 'n'
  AND NOT EXISTS (SELECT 1 FROM pg_depend own WHERE own.classid = d.classid AND own.objid = d.objid
    AND own.refclassid = 'pg_class'::regclass AND own.refobjid = d.refobjid AND own.deptype IN ('a', 'i'))`;
}

/** The same dependents, named by pg_describe_object (a view by itself, not by its rewrite rule): one short query. */
function dependentNamesQuery(table: string): string {
  const view =
    `(SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' ELSE 'rule on ' END || ` +
    `c.oid::regclass::text FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE d.classid = ` +
    `'pg_rewrite'::regclass AND r.oid = d.objid)`;
  return [
    `SELECT string_agg(what, ', ' ORDER BY what) FROM (SELECT DISTINCT coalesce(${view}, pg_describe_object(d.classid, ` +
      `d.objid, 0)) AS what`,
    `    FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ${regclass(table)} AND d.deptype = 'n'`,
    `    AND NOT EXISTS (SELECT 1 FROM pg_depend own WHERE own.classid = d.classid AND own.objid = d.objid`,
    `      AND own.refclassid = 'pg_class'::regclass AND own.refobjid = d.refobjid AND own.deptype IN ('a', 'i'))) AS deps`,
  ].join('\n');
}

/** A DO block, run in the DROP TABLE's transaction before it, that names every dependent and refuses. */
export function dropTableGuardSql(table: string): string {
  const message = `cannot drop table ${table}: other objects depend on it: `;
  const hint =
    'drop or change the dependents first (drop_constraint for a foreign key, DROP VIEW for a view), then run ' +
    'again; schemashift never drops with CASCADE';
  const body = [
    '',
    'DECLARE dependents text;',
    'BEGIN',
    `  ${dependentNamesQuery(table)}`,
    '    INTO dependents;',
    '  IF dependents IS NOT NULL THEN',
    `    RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist', MESSAGE = ${literal(message)} || ` +
      `dependents, HINT = ${literal(hint)};`,
    '  END IF;',
    'END',
    '',
  ].join('\n');
  return `DO ${dollarQuote(body)}`;
}
