/**
 * Everything that depends on a materialized view, recursively, as pg_depend records it: views and
 * materialized views through their `_RETURN` rule, functions and procedures (BEGIN ATOMIC bodies,
 * or the view's row type in their signature). A function whose body is a string (plpgsql, SQL
 * `AS '…'`) records nothing: it looks the name up at call time and follows the swap by itself.
 * Anything else (a policy, a column of the view's row type, a rule on a table…) is `unsupported`:
 * schemashift cannot recreate it, and the swap refuses with its name.
 */

/**
 * `node`: one row per path to a dependent, `depth` its distance from the root (kind 'root'); kind
 * NULL marks an unsupported dependent, described in `what`, whose own dependents are not followed.
 * The root is a regclass expression (`rootOid`).
 */
export function dependentNodesCte(rootOid: string): string {
  return `node(classid, objid, kind, what, depth) AS (
  SELECT 'pg_class'::regclass::oid, (${rootOid})::oid, 'root'::text, NULL::text, 0
  UNION ALL
  SELECT e.classid, e.objid, e.kind, e.what, n.depth + 1
  FROM node n
  JOIN pg_depend d ON d.deptype = 'n' AND n.kind IS NOT NULL AND n.depth < 32 AND (
    (n.classid = 'pg_class'::regclass AND (
      (d.refclassid = 'pg_class'::regclass AND d.refobjid = n.objid)
      OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN (
        SELECT t.oid FROM pg_type t WHERE t.typrelid = n.objid
        UNION ALL SELECT t.typarray FROM pg_type t WHERE t.typrelid = n.objid))))
    OR (n.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_proc'::regclass AND d.refobjid = n.objid))
  LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid AND r.rulename = '_RETURN'
  LEFT JOIN pg_class rc ON rc.oid = r.ev_class AND rc.relkind IN ('v', 'm')
  LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid AND p.prokind IN ('f', 'p')
  CROSS JOIN LATERAL (SELECT
    CASE WHEN rc.oid IS NOT NULL THEN 'pg_class'::regclass::oid ELSE d.classid END AS classid,
    coalesce(rc.oid, d.objid) AS objid,
    CASE WHEN rc.relkind = 'v' THEN 'view' WHEN rc.relkind = 'm' THEN 'materialized view'
      WHEN p.prokind = 'f' THEN 'function' WHEN p.prokind = 'p' THEN 'procedure' END AS kind,
    pg_describe_object(d.classid, d.objid, d.objsubid) AS what) e
  WHERE NOT (e.classid = n.classid AND e.objid = n.objid)
)`;
}

/**
 * One row per dependent: `classid`, `objid`, `kind`, and `depth`, the longest path from the root,
 * so that every dependent comes after all it depends on when sorted by it.
 */
export const DEPENDENTS_CTE = `dependent AS (
  SELECT classid, objid, kind, max(depth) AS depth FROM node WHERE depth > 0 AND kind IS NOT NULL
  GROUP BY classid, objid, kind
)`;

/** The unsupported dependents, named, in one line (NULL when there is none). */
export const UNSUPPORTED_SQL = `(SELECT string_agg(DISTINCT what, ', ') FROM node WHERE kind IS NULL)`;

/** A dependent's name as DDL spells it: `schema.name` (quoted) for a relation, its signature for a routine. */
export const DEPENDENT_NAME_SQL = `CASE WHEN x.classid = 'pg_proc'::regclass
    THEN (SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = x.objid)
    ELSE (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = x.objid) END`;

/**
 * For `validate --database`: one row per dependent of the view named by `rootOid`, unsupported
 * ones included (kind NULL, named by `name`), with the estimated size of a materialized view.
 */
export function viewDependentsQuery(rootOid: string): string {
  return `WITH RECURSIVE ${dependentNodesCte(rootOid)},
${DEPENDENTS_CTE}
SELECT x.kind, ${DEPENDENT_NAME_SQL} AS name, x.depth,
  CASE WHEN x.kind = 'materialized view' THEN pg_total_relation_size(x.objid) END AS bytes
FROM dependent x
UNION ALL
SELECT NULL, what, min(depth), NULL FROM node WHERE kind IS NULL GROUP BY what
ORDER BY 3, 1 NULLS LAST, 2`;
}
