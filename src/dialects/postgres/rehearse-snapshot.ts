/**
 * A comparable picture of a database's user schemas: relations, columns, constraints, indexes,
 * triggers, functions, view definitions, enum types, and a checksum of every table's rows.
 * schemashift's own state schema is left out.
 */
import type { Queryable } from '../../db/connection.js';
import type { CatalogSnapshot } from '../rehearsal.js';
import { quoteIdent } from './names.js';

const USER = (ns: string) =>
  `${ns}.nspname NOT IN ('pg_catalog', 'information_schema', 'schemashift') AND ${ns}.nspname NOT LIKE 'pg\\_%'`;
const NOT_EXTENSION = (oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = ${oid} AND e.deptype = 'e')`;
const REL = `n.nspname || '.' || c.relname`;

const QUERIES: Record<string, string> = {
  relation:
    `SELECT ${REL} AS name, c.relkind::text AS value FROM pg_class c JOIN pg_namespace n ON n.oid = ` +
    `c.relnamespace
             WHERE ${USER('n')} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${NOT_EXTENSION('c.oid')}`,
  column:
    `SELECT ${REL} || '.' || a.attname AS name,
                  format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                  || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || CASE WHEN a.attidentity <> ` +
    `'' THEN ' identity' ELSE '' END AS value
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE ${USER('n')} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped`,
  constraint:
    `SELECT ${REL} || '.' || k.conname AS name, pg_get_constraintdef(k.oid) || CASE WHEN ` +
    `k.convalidated THEN '' ELSE ' (not validated)' END AS value
               FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = ` +
    `c.relnamespace WHERE ${USER('n')}`,
  index:
    `SELECT n.nspname || '.' || ic.relname AS name, pg_get_indexdef(i.indexrelid) || CASE WHEN ` +
    `i.indisvalid THEN '' ELSE ' (INVALID)' END AS value
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ` +
    `ic.relnamespace WHERE ${USER('n')}`,
  trigger:
    `SELECT ${REL} || '.' || t.tgname AS name, pg_get_triggerdef(t.oid) AS value
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = ` +
    `c.relnamespace WHERE ${USER('n')} AND NOT t.tgisinternal`,
  function:
    `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS ` +
    `name, md5(p.prosrc) AS value
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER('n')} ` +
    `AND ${NOT_EXTENSION('p.oid')}`,
  definition:
    `SELECT ${REL} AS name, pg_get_viewdef(c.oid) AS value FROM pg_class c JOIN pg_namespace n ON ` +
    `n.oid = c.relnamespace
               WHERE ${USER('n')} AND c.relkind IN ('v', 'm')`,
  type:
    `SELECT n.nspname || '.' || t.typname AS name, (SELECT string_agg(enumlabel, ', ' ORDER BY ` +
    `enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) AS value
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${USER('n')} AND t.typtype = 'e'`,
};

const ROW_RELATIONS =
  `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON ` +
  `n.oid = c.relnamespace
                       WHERE ${USER('n')} AND (c.relkind IN ('r', 'p') OR (c.relkind = 'm' AND ` +
  `c.relispopulated)) AND ${NOT_EXTENSION('c.oid')}`;

async function rowChecksums(db: Queryable, snapshot: CatalogSnapshot): Promise<void> {
  const { rows } = await db.query<{ schema: string; name: string }>(ROW_RELATIONS);
  for (const rel of rows) {
    const q = `${quoteIdent(rel.schema)}.${quoteIdent(rel.name)}`;
    const sum = await db.query<{ n: string; h: string }>(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS h FROM ${q} AS t`,
    );
    const row = sum.rows[0];
    snapshot.set(`rows ${rel.schema}.${rel.name}`, `${row?.n ?? '?'} rows, md5 ${row?.h ?? '?'}`);
  }
}

export async function takeCatalogSnapshot(db: Queryable): Promise<CatalogSnapshot> {
  const snapshot: CatalogSnapshot = new Map();
  for (const [kind, sql] of Object.entries(QUERIES)) {
    const { rows } = await db.query<{ name: string; value: string | null }>(sql);
    for (const row of rows) snapshot.set(`${kind} ${row.name}`, row.value ?? '');
  }
  await rowChecksums(db, snapshot);
  return snapshot;
}
