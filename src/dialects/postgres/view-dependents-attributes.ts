/**
 * What the view giving up its name hands to the one taking it, in the swap: its owner, its ACL
 * (WITH GRANT OPTION kept), its comment, and the column grants and comments of the columns both
 * have. Without them the new view, built by whoever runs the plan, would be theirs alone: readers
 * granted SELECT on the old view, and dependents owned by other roles, would be denied after the swap.
 * One jsonb object shaped like a dependent of view-dependents-recreate.ts (no `drop`, no `refresh`),
 * so that the same loop applies it, first; names go through format('%I') / format('%L').
 */
import { GRANT_OPTION, GRANTEE } from './view-dependents-recreate.js';

/** The old view's columns that the new one (`building`, an oid expression) has too. */
const SHARED_COLUMN = (building: string) => `NOT att.attisdropped AND att.attnum > 0 AND att.attname IN (
      SELECT b.attname FROM pg_attribute b WHERE b.attrelid = ${building} AND b.attnum > 0 AND NOT b.attisdropped)`;

const STATEMENTS = (building: string) => `ARRAY[format('ALTER MATERIALIZED VIEW %s OWNER TO %I', nm.name,
      pg_get_userbyid(c.relowner))]
    || ARRAY(SELECT format('COMMENT ON MATERIALIZED VIEW %s IS %L', nm.name, d.description) FROM pg_description d
      WHERE d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0)
    || ARRAY(SELECT format('COMMENT ON COLUMN %s.%I IS %L', nm.name, att.attname, d.description) FROM pg_description d
      JOIN pg_attribute att ON att.attrelid = d.objoid AND att.attnum = d.objsubid
      WHERE d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND ${SHARED_COLUMN(building)})`;

const GRANTS = (building: string) => `ARRAY(SELECT format('GRANT %s ON TABLE %s TO %s%s', a.privilege_type, nm.name,
      ${GRANTEE}, ${GRANT_OPTION}) FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a)
    || ARRAY(SELECT format('GRANT %s (%I) ON TABLE %s TO %s%s', a.privilege_type, att.attname, nm.name,
      ${GRANTEE}, ${GRANT_OPTION}) FROM pg_attribute att CROSS JOIN LATERAL aclexplode(att.attacl) a
      WHERE att.attrelid = c.oid AND att.attacl IS NOT NULL AND ${SHARED_COLUMN(building)})`;

/**
 * A jsonb array holding that one object for the view `root` (an oid expression, read before the
 * renames) as seen by `building` (the view that takes its name); empty when `root` is NULL.
 */
export function swapAttributesSql(root: string, building: string): string {
  return `coalesce((SELECT jsonb_build_array(jsonb_build_object('kind', 'materialized view', 'name', nm.name,
    'grantOn', 'TABLE', 'doing', format('giving the new %s the owner, grants and comments of the old one', nm.name),
    'hint', 'the swap was rolled back and nothing changed: the role running the plan must be able to give the view '
      || 'to its owner (be a member of that role)',
    'create', ${STATEMENTS(building)},
    'grants', ${GRANTS(building)}))
  FROM pg_class c
  CROSS JOIN LATERAL (SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_namespace n
    WHERE n.oid = c.relnamespace) nm
  WHERE c.oid = ${root}), '[]')`;
}
