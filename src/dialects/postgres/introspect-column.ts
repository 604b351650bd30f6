/**
 * Everything attached to one column, read from pg_catalog (see src/introspect/column-attachments.ts
 * for the model). Only catalog tables are read: no lock on the user's table.
 */
import type { Queryable } from '../../db/connection.js';
import type { LiveColumnAttachments, LiveGrant, LiveIndexAttachment } from '../../introspect/column-attachments.js';
import { REFERENTIAL_ACTION_CODES } from './referential-actions.js';
import { quoteLiteral, quoteQualified } from './names.js';

async function rows<R>(db: Queryable, sql: string, params: unknown[]): Promise<R[]> {
  return (await db.query<R>(sql, params)).rows;
}

interface ColumnRow {
  attnum: number;
  attnotnull: boolean;
  identity: boolean;
  default: string | null;
  comment: string | null;
  collation: string | null;
  sequence: string | null;
}

const COLUMN_SQL =
  `
SELECT a.attnum, a.attnotnull, a.attidentity <> '' AS identity,
  pg_get_expr(ad.adbin, ad.adrelid, true) AS default,
  col_description(a.attrelid, a.attnum) AS comment,
  (SELECT n.nspname || '.' || co.collname FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace ` +
  `JOIN pg_type ty ON ty.oid = a.atttypid
    WHERE co.oid = a.attcollation AND a.attcollation <> ty.typcollation) AS collation,
  (SELECT s.oid::regclass::text FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
    WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
      AND dep.refobjsubid = a.attnum AND dep.deptype = 'a' LIMIT 1) AS sequence
FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = $1::regclass AND a.attname = $2 AND NOT a.attisdropped`;

const GRANTS_SQL =
  `
SELECT x.grantee = 0 AS public, CASE WHEN x.grantee <> 0 THEN pg_get_userbyid(x.grantee)::text END AS role, ` +
  `x.privilege_type AS privilege
FROM pg_attribute a, aclexplode(a.attacl) x
WHERE a.attrelid = $1::regclass AND a.attnum = $2 ORDER BY 1 DESC, 2, 3`;

const INDEXES_SQL =
  `
SELECT ic.relname::text AS name, i.indisunique AS unique, i.indisreplident AS replident, am.amname::text AS method,
  array(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS keys,
  array(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(i.indnkeyatts + 1, i.indnatts) k ` +
  `ORDER BY k) AS include,
  pg_get_expr(i.indpred, i.indrelid, true) AS where,
  (SELECT con.contype FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid ` +
  `AND con.contype IN ('p', 'u', 'x')) AS constraint,
  coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false) = false AND NOT EXISTS (
    SELECT 1 FROM generate_series(0, i.indnkeyatts - 1) k
    LEFT JOIN pg_opclass oc ON oc.oid = i.indclass[k]
    LEFT JOIN pg_attribute ka ON ka.attrelid = i.indrelid AND ka.attnum = i.indkey[k]
    WHERE i.indoption[k] <> 0 OR NOT coalesce(oc.opcdefault, true)
      OR (i.indcollation[k] NOT IN (0, 100) AND i.indcollation[k] <> coalesce(ka.attcollation, 0))) AS plain
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = $1::regclass AND ($2 = ANY (i.indkey::int2[]) OR EXISTS (
  SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass AND dep.objid = i.indexrelid
    AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = i.indrelid AND dep.refobjsubid = $2))
ORDER BY ic.relname`;

const CONSTRAINTS_SQL =
  `
SELECT con.conname::text AS name, con.contype AS type,
  con.conrelid = $1::regclass AND $2 = ANY (con.conkey) AS outbound,
  con.contype = 'f' AND con.confrelid = $1::regclass AND $2 = ANY (con.confkey) AS inbound,
  con.conrelid::regclass::text AS table_name,
  pg_get_expr(con.conbin, con.conrelid, true) AS expression, con.connoinherit AS noinherit,
  array(SELECT attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute ON attrelid = ` +
  `con.conrelid AND attnum = k.n ORDER BY k.o) AS columns,
  con.confrelid::regclass::text AS ref_table,
  array(SELECT attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute ON attrelid = ` +
  `con.confrelid AND attnum = k.n ORDER BY k.o) AS ref_columns,
  con.confdeltype AS on_delete, con.confupdtype AS on_update,
  NOT con.condeferrable AND con.confmatchtype <> 'f' AND (to_jsonb(con) ->> 'confdelsetcols') IS NULL AS plain
FROM pg_constraint con
WHERE (con.conrelid = $1::regclass AND $2 = ANY (con.conkey) AND con.contype IN ('c', 'f'))
   OR (con.contype = 'f' AND con.confrelid = $1::regclass AND $2 = ANY (con.confkey))
ORDER BY con.conname`;

/**
 * Dependents DROP COLUMN would fail on or take along, besides the indexes, constraints, default and sequence read
 * above.
 */
const OTHERS_SQL =
  `
SELECT DISTINCT CASE WHEN dep.classid = 'pg_rewrite'::regclass THEN r.ev_class::regclass::text ELSE ` +
  `pg_describe_object(dep.classid, dep.objid, dep.objsubid) END AS what,
  CASE WHEN dep.classid = 'pg_rewrite'::regclass THEN (SELECT relkind::text FROM pg_class WHERE oid = ` +
  `r.ev_class) END AS relkind
FROM pg_depend dep LEFT JOIN pg_rewrite r ON dep.classid = 'pg_rewrite'::regclass AND r.oid = dep.objid
WHERE dep.refclassid = 'pg_class'::regclass AND dep.refobjid = $1::regclass AND dep.refobjsubid = $2 AND ` +
  `dep.deptype IN ('n', 'a')
  AND NOT (dep.classid = 'pg_class'::regclass AND dep.objid IN (SELECT indexrelid FROM pg_index WHERE indrelid ` +
  `= $1::regclass))
  AND NOT (dep.classid = 'pg_class'::regclass AND dep.objid IN (SELECT oid FROM pg_class WHERE relkind = 'S'))
  AND NOT (dep.classid = 'pg_constraint'::regclass)
  AND NOT (dep.classid = 'pg_attrdef'::regclass)
  AND NOT (dep.classid = 'pg_rewrite'::regclass AND r.ev_class = $1::regclass)
ORDER BY 1`;

interface ConstraintRow {
  name: string;
  type: 'c' | 'f';
  outbound: boolean;
  inbound: boolean;
  table_name: string;
  expression: string | null;
  noinherit: boolean;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
  plain: boolean;
}

function splitConstraints(
  all: ConstraintRow[],
): Pick<LiveColumnAttachments, 'checks' | 'foreignKeys' | 'inboundForeignKeys'> {
  const own = all.filter((c) => c.outbound);
  return {
    checks: own
      .filter((c) => c.type === 'c')
      .map((c) => ({ name: c.name, expression: c.expression ?? '', noInherit: c.noinherit })),
    foreignKeys: own
      .filter((c) => c.type === 'f')
      .map((c) => ({
        name: c.name,
        columns: c.columns,
        references: { table: c.ref_table, columns: c.ref_columns },
        onDelete: REFERENTIAL_ACTION_CODES[c.on_delete] ?? c.on_delete,
        onUpdate: REFERENTIAL_ACTION_CODES[c.on_update] ?? c.on_update,
        plain: c.plain,
      })),
    inboundForeignKeys: all.filter((c) => c.inbound).map((c) => ({ name: c.name, table: c.table_name })),
  };
}

/** The column's attachments, or null when the table or the column does not exist. */
export async function readColumnAttachments(
  db: Queryable,
  table: string,
  column: string,
): Promise<LiveColumnAttachments | null> {
  const [exists] = await rows<{ oid: string | null }>(
    db,
    `SELECT to_regclass(${quoteLiteral(quoteQualified(table))})::text AS oid`,
    [],
  );
  if (!exists?.oid) return null;
  const rel = quoteQualified(table);
  const [col] = await rows<ColumnRow>(db, COLUMN_SQL, [rel, column]);
  if (!col) return null;
  const at = [rel, col.attnum];
  const grantRows = await rows<{ public: boolean; role: string | null; privilege: string }>(db, GRANTS_SQL, at);
  const grants = new Map<string | null, string[]>();
  for (const g of grantRows)
    grants.set(g.public ? null : g.role, [...(grants.get(g.public ? null : g.role) ?? []), g.privilege]);
  const indexes = await rows<LiveIndexAttachment>(db, INDEXES_SQL, at);
  const constraints = await rows<ConstraintRow>(db, CONSTRAINTS_SQL, at);
  const others = await rows<{ what: string; relkind: string | null }>(db, OTHERS_SQL, at);
  return {
    table,
    column,
    notNull: col.attnotnull,
    identity: col.identity,
    default: col.default,
    comment: col.comment,
    collation: col.collation,
    grants: [...grants].map(([role, privileges]): LiveGrant =>
      role === null ? { public: true, privileges } : { role, privileges },
    ),
    ownedSequence: col.sequence,
    indexes: indexes.map((ix) => ({ ...ix, where: ix.where ?? null, constraint: ix.constraint ?? null })),
    ...splitConstraints(constraints),
    views: others
      .filter((o) => o.relkind === 'v' || o.relkind === 'm')
      .map((o) => ({ name: o.what, kind: o.relkind === 'm' ? 'materialized view' : 'view' })),
    others: others.filter((o) => o.relkind === null || (o.relkind !== 'v' && o.relkind !== 'm')).map((o) => o.what),
  };
}
