/**
 * How to put a dependent back, read from the catalog before it is dropped: one jsonb object per
 * dependent with its `drop`, its `create` statements (definition, owner, column defaults, rules,
 * triggers, comments), its `indexes` (with their comments), its `grants` (the ACL as it was; NULL
 * is the kind's default) and, for a materialized view that had data, its `refresh`. A materialized
 * view is created WITH NO DATA and given its owner before its indexes, and filled by that REFRESH
 * last: PostgreSQL builds indexes and runs a refresh's query as the owner, where CREATE … WITH DATA
 * would run the owner's functions as whoever runs the swap. Indexes and the refresh may run the
 * owner's functions, so they run under the caller's search_path (view-dependents.ts), as they would
 * anywhere. Every name goes through format('%I') / format('%L'); definitions are the catalog's own
 * deparse (pg_get_viewdef, pg_get_functiondef, pg_get_indexdef…), read with an empty search_path so
 * that every name in them is schema-qualified. Nothing here comes from a plan.
 */
import { DEPENDENT_NAME_SQL } from './view-dependents-closure.js';

export const GRANTEE = `CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END`;
export const GRANT_OPTION = `CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END`;

/** `WITH (security_barrier = 'true', check_option = 'local')`, or nothing. */
const RELOPTIONS = `coalesce(' WITH (' || (SELECT string_agg(format('%I = %L', split_part(o, '=', 1),
  substr(o, strpos(o, '=') + 1)), ', ') FROM unnest(c.reloptions) o) || ')', '')`;

const RELATION_DEFINITION = `CASE WHEN c.relkind = 'v'
    THEN format('CREATE VIEW %s%s AS %s', nm.name, ${RELOPTIONS}, rtrim(rtrim(pg_get_viewdef(c.oid)), ';'))
    ELSE format('CREATE MATERIALIZED VIEW %s%s%s AS %s WITH NO DATA', nm.name, ${RELOPTIONS},
      coalesce((SELECT ' TABLESPACE ' || quote_ident(spcname) FROM pg_tablespace WHERE oid = c.reltablespace), ''),
      rtrim(rtrim(pg_get_viewdef(c.oid)), ';')) END`;

/** What a relation has besides its definition and indexes, each a statement to run after it, its owner first. */
const RELATION_PARTS = `ARRAY[format('ALTER %s %s OWNER TO %I', nm.objtype, nm.name, pg_get_userbyid(c.relowner))]
  || ARRAY(SELECT format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s', nm.name, att.attname,
      pg_get_expr(ad.adbin, ad.adrelid)) FROM pg_attrdef ad
    JOIN pg_attribute att ON att.attrelid = ad.adrelid AND att.attnum = ad.adnum WHERE ad.adrelid = c.oid)
  || ARRAY(SELECT pg_get_ruledef(r.oid) FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN')
  || ARRAY(SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)
  || ARRAY(SELECT CASE WHEN d.objsubid = 0 THEN format('COMMENT ON %s %s IS %L', nm.objtype, nm.name, d.description)
      ELSE format('COMMENT ON COLUMN %s.%I IS %L', nm.name, att.attname, d.description) END
    FROM pg_description d LEFT JOIN pg_attribute att ON att.attrelid = d.objoid AND att.attnum = d.objsubid
    WHERE d.classoid = 'pg_class'::regclass AND d.objoid = c.oid)`;

/** A materialized view's indexes (PostgreSQL builds them as its owner, set before), then their comments. */
const RELATION_INDEXES = `ARRAY(SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid
    ORDER BY i.indexrelid)
  || ARRAY(SELECT format('COMMENT ON INDEX %I.%I IS %L', ns.nspname, ic.relname, d.description) FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace ns ON ns.oid = ic.relnamespace
    JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = ic.oid AND d.objsubid = 0
    WHERE i.indrelid = c.oid)`;

const RELATION_GRANTS = `ARRAY(SELECT format('GRANT %s ON TABLE %s TO %s%s', a.privilege_type, nm.name, ${GRANTEE},
      ${GRANT_OPTION}) FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a)
  || ARRAY(SELECT format('GRANT %s (%I) ON TABLE %s TO %s%s', a.privilege_type, att.attname, nm.name, ${GRANTEE},
      ${GRANT_OPTION}) FROM pg_attribute att CROSS JOIN LATERAL aclexplode(att.attacl) a
    WHERE att.attrelid = c.oid AND att.attacl IS NOT NULL)`;

const ROUTINE_STATEMENTS = `ARRAY[pg_get_functiondef(p.oid)]
  || ARRAY(SELECT format('COMMENT ON ROUTINE %s IS %L', nm.name, d.description) FROM pg_description d
    WHERE d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid)
  || ARRAY[format('ALTER ROUTINE %s OWNER TO %I', nm.name, pg_get_userbyid(p.proowner))]`;

const ROUTINE_GRANTS = `ARRAY(SELECT format('GRANT %s ON ROUTINE %s TO %s%s', a.privilege_type, nm.name, ${GRANTEE},
    ${GRANT_OPTION}) FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a)`;

/**
 * The jsonb array of every dependent (`dependent x`, from view-dependents-closure.ts), ordered so
 * that each comes after what it depends on: `{ depth, kind, name, grantOn, drop, create[], indexes[], grants[],
 * refresh }`.
 */
export const RECREATE_PLAN_SQL = `(SELECT coalesce(jsonb_agg(jsonb_build_object('depth', x.depth, 'kind', x.kind,
    'name', nm.name, 'grantOn', nm.grant_on, 'drop', format('DROP %s %s', nm.objtype, nm.name),
    'create', s.creates, 'indexes', s.indexes, 'grants', s.grants,
    'refresh', CASE WHEN s.populated THEN format('REFRESH MATERIALIZED VIEW %s', nm.name) END)
    ORDER BY x.depth, nm.name), '[]')
  FROM dependent x
  CROSS JOIN LATERAL (SELECT ${DEPENDENT_NAME_SQL} AS name,
    CASE x.kind WHEN 'view' THEN 'VIEW' WHEN 'materialized view' THEN 'MATERIALIZED VIEW' ELSE 'ROUTINE' END AS objtype,
    CASE WHEN x.classid = 'pg_proc'::regclass THEN 'ROUTINE' ELSE 'TABLE' END AS grant_on) nm
  CROSS JOIN LATERAL (
    SELECT ARRAY[${RELATION_DEFINITION}] || ${RELATION_PARTS} AS creates, ${RELATION_INDEXES} AS indexes,
      ${RELATION_GRANTS} AS grants, c.relkind = 'm' AND c.relispopulated AS populated
    FROM pg_class c WHERE x.classid = 'pg_class'::regclass AND c.oid = x.objid
    UNION ALL
    SELECT ${ROUTINE_STATEMENTS}, ARRAY[]::text[], ${ROUTINE_GRANTS}, false
    FROM pg_proc p WHERE x.classid = 'pg_proc'::regclass AND p.oid = x.objid) s)`;

/**
 * The grantees a just-created dependent has (`v_dep`: one element of the array above), each
 * revoked before the saved ACL is granted again: default privileges may have added some.
 */
export const CURRENT_GRANTEES_SQL = `SELECT DISTINCT ${GRANTEE} FROM pg_class c
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
    WHERE v_dep->>'grantOn' = 'TABLE' AND c.oid = to_regclass(v_dep->>'name')
  UNION SELECT ${GRANTEE} FROM pg_proc p
    CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
    WHERE v_dep->>'grantOn' = 'ROUTINE' AND p.oid = to_regprocedure(v_dep->>'name')`;
