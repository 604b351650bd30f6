/**
 * Reads, from a live database's catalog, the structure of the relations a plan uses — columns with
 * types, defaults and nullability, primary keys, unique constraints, indexes, foreign keys, and the
 * definitions of views they depend on — plus every relation those reference, so that the lot can be
 * recreated in a scratch database. Read-only: nothing is written to the source.
 */
import type { Queryable } from '../../db/connection.js';
import { UsageError } from '../../errors.js';

export interface ColumnInfo {
  name: string;
  /** format_type(): `bigint`, `character varying(40)`, `numeric(12,2)`, `mood[]`. */
  type: string;
  notNull: boolean;
  default: string | null;
  /** pg_attribute.attidentity: '' | 'a' (ALWAYS) | 'd' (BY DEFAULT). */
  identity: string;
  /** pg_attribute.attgenerated: '' | 's' (STORED; the expression is in `default`). */
  generated: string;
  typname: string;
  typtype: string;
  category: string;
  typmod: number;
  /** The enum type of the column (or of its array elements). */
  enumOid: string | null;
}

export interface ConstraintInfo {
  name: string;
  kind: 'p' | 'u' | 'f';
  definition: string;
  columns: string[];
  /** Foreign keys: the referenced relation's oid and columns. */
  references: string | null;
  refColumns: string[];
}

export interface IndexInfo {
  definition: string;
  unique: boolean;
  columns: string[];
}

export interface RelationInfo {
  oid: string;
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'matview';
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  /** Indexes that no constraint owns. */
  indexes: IndexInfo[];
  viewDefinition: string | null;
  /** Relations this one needs first: foreign key parents, relations a view reads. */
  dependsOn: string[];
}

export interface EnumInfo {
  schema: string;
  /** As format_type spells it (schema-qualified when not on the search path). */
  name: string;
  labels: string[];
}

export interface SourceStructure {
  /** Dependencies first. */
  relations: RelationInfo[];
  enums: EnumInfo[];
  /** Names the plan uses that the source lacks (typically what the plan itself creates). */
  notFound: string[];
}

const KINDS: Record<string, RelationInfo['kind']> = { r: 'table', v: 'view', m: 'matview' };
const KIND_NAMES: Record<string, string> = {
  p: 'a partitioned table',
  f: 'a foreign table',
  S: 'a sequence',
  i: 'an index',
  c: 'a composite type',
};
const UNSUPPORTED_TYPES: Record<string, string> = {
  d: 'a domain',
  c: 'a composite type',
  r: 'a range type',
  m: 'a multirange type',
};

const COLUMNS_SQL =
  `
  SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
         pg_get_expr(d.adbin, d.adrelid) AS "default", a.attidentity::text AS identity, a.attgenerated::text AS ` +
  `generated,
         t.typname::text AS typname, t.typtype::text AS typtype, t.typcategory::text AS category, a.atttypmod AS typmod,
         (CASE WHEN t.typtype = 'e' THEN t.oid WHEN et.typtype = 'e' THEN et.oid END)::text AS "enumOid",
         et.typtype::text AS elemtype
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;

const attnames = (keys: string, rel: string) =>
  `ARRAY(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY AS k(n, i) JOIN pg_attribute a ON ` +
  `a.attrelid = ${rel} AND a.attnum = k.n ORDER BY k.i)`;

const CONSTRAINTS_SQL = `
  SELECT c.conname AS name, c.contype::text AS kind, pg_get_constraintdef(c.oid) AS definition,
         ${attnames('c.conkey', 'c.conrelid')} AS columns,
         CASE WHEN c.contype = 'f' THEN c.confrelid::text END AS "references",
         ${attnames('c.confkey', 'c.confrelid')} AS "refColumns"
  FROM pg_constraint c
  WHERE c.conrelid = $1::oid AND c.contype IN ('p', 'u', 'f')
  ORDER BY c.contype DESC, c.conname`;

const INDEXES_SQL =
  `
  SELECT pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS ` +
  `"unique", ${attnames('i.indkey::int2[]', 'i.indrelid')} AS columns
  FROM pg_index i
  WHERE i.indrelid = $1::oid AND i.indisvalid
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid ` +
  `AND c.contype IN ('p', 'u', 'x'))
  ORDER BY 1`;

const VIEW_DEPENDENCIES_SQL = `
  SELECT DISTINCT d.refobjid::text AS oid
  FROM pg_rewrite r
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
  JOIN pg_class rc ON rc.oid = d.refobjid AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')
  WHERE r.ev_class = $1::oid AND d.refobjid <> $1::oid`;

const RELATION_SQL = (where: string) => `
  SELECT c.oid::text AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${where}`;

interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  kind: string;
}

async function loadColumns(db: Queryable, rel: RelationRow): Promise<ColumnInfo[]> {
  const { rows } = await db.query<ColumnInfo & { elemtype: string | null }>(COLUMNS_SQL, [rel.oid]);
  for (const col of rows) {
    const odd = UNSUPPORTED_TYPES[col.typtype] ?? UNSUPPORTED_TYPES[col.elemtype ?? ''];
    if (odd) {
      throw new UsageError(
        `--schema-from: column ${rel.schema}.${rel.name}.${col.name} has type ${col.type}, ${odd}, which a ` +
          `rehearsal cannot recreate from the catalog`,
        'seed the rehearsal from a SQL file instead: pg_dump --schema-only -t <table> … > seed.sql, add some ' +
          'INSERTs, then --seed seed.sql',
      );
    }
  }
  return rows.map(({ elemtype: _, ...col }) => ({ ...col, typmod: Number(col.typmod) }));
}

async function loadRelation(db: Queryable, rel: RelationRow): Promise<RelationInfo> {
  const kind = KINDS[rel.kind];
  if (!kind) {
    throw new UsageError(
      `--schema-from: ${rel.schema}.${rel.name} is ${KIND_NAMES[rel.kind] ?? `a relation of kind ${rel.kind}`}, ` +
        `which a rehearsal cannot recreate from the catalog`,
      'seed the rehearsal from a SQL file instead (--seed seed.sql)',
    );
  }
  const columns = await loadColumns(db, rel);
  const constraints = (await db.query<ConstraintInfo>(CONSTRAINTS_SQL, [rel.oid])).rows;
  const indexes = (await db.query<IndexInfo>(INDEXES_SQL, [rel.oid])).rows;
  let viewDefinition: string | null = null;
  const dependsOn = constraints.flatMap((c) =>
    c.references !== null && c.references !== rel.oid ? [c.references] : [],
  );
  if (kind !== 'table') {
    viewDefinition =
      (await db.query<{ def: string }>('SELECT pg_get_viewdef($1::oid) AS def', [rel.oid])).rows[0]?.def ?? null;
    dependsOn.push(...(await db.query<{ oid: string }>(VIEW_DEPENDENCIES_SQL, [rel.oid])).rows.map((r) => r.oid));
  }
  return {
    oid: rel.oid,
    schema: rel.schema,
    name: rel.name,
    kind,
    columns,
    constraints,
    indexes,
    viewDefinition,
    dependsOn: [...new Set(dependsOn)],
  };
}

/** Dependencies first; a foreign-key cycle cannot be seeded with generated rows. */
function dependencyOrder(relations: Map<string, RelationInfo>): RelationInfo[] {
  const ordered: RelationInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (rel: RelationInfo, path: string[]) => {
    if (state.get(rel.oid) === 'done') return;
    if (state.get(rel.oid) === 'visiting') {
      throw new UsageError(
        `--schema-from: ${[...path, rel.name].join(' → ')} reference each other in a cycle, so generated rows ` +
          `cannot satisfy them`,
        'seed the rehearsal from a SQL file instead (--seed seed.sql)',
      );
    }
    state.set(rel.oid, 'visiting');
    for (const dep of rel.dependsOn) {
      const target = relations.get(dep);
      if (target) visit(target, [...path, rel.name]);
    }
    state.set(rel.oid, 'done');
    ordered.push(rel);
  };
  for (const rel of [...relations.values()].sort((a, b) => Number(a.oid) - Number(b.oid))) visit(rel, []);
  return ordered;
}

async function loadEnums(db: Queryable, relations: RelationInfo[]): Promise<EnumInfo[]> {
  const oids = [...new Set(relations.flatMap((r) => r.columns.flatMap((c) => (c.enumOid ? [c.enumOid] : []))))];
  const enums: EnumInfo[] = [];
  for (const oid of oids) {
    const { rows } = await db.query<EnumInfo>(
      `SELECT n.nspname::text AS schema, format_type(t.oid, NULL) AS name, ARRAY(SELECT enumlabel::text FROM ` +
        `pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1::oid`,
      [oid],
    );
    if (rows[0]) enums.push(rows[0]);
  }
  return enums;
}

/**
 * The structure behind `names` (and everything it references). `db` must be a session of its own:
 * it is made read-only, and after the names are resolved its search_path is emptied so that every
 * definition the catalog prints is schema-qualified.
 */
export async function readStructure(db: Queryable, names: string[]): Promise<SourceStructure> {
  await db.exec('SET default_transaction_read_only = on');
  const found = new Map<string, RelationRow>();
  const notFound: string[] = [];
  for (const name of names) {
    const row = (await db.query<RelationRow>(RELATION_SQL('c.oid = to_regclass($1)'), [name])).rows[0];
    if (row) found.set(row.oid, row);
    else notFound.push(name);
  }
  if (found.size === 0) {
    throw new UsageError(
      `--schema-from: none of the relations the plan uses (${names.join(', ')}) exist in that database`,
      'point --schema-from at the database the plan is meant for, or seed from a SQL file with --seed',
    );
  }
  await db.exec('SET search_path = pg_catalog');
  const relations = new Map<string, RelationInfo>();
  const queue = [...found.values()];
  for (let rel = queue.shift(); rel; rel = queue.shift()) {
    if (relations.has(rel.oid)) continue;
    const info = await loadRelation(db, rel);
    relations.set(rel.oid, info);
    for (const dep of info.dependsOn.filter((oid) => !relations.has(oid))) {
      const row = (await db.query<RelationRow>(RELATION_SQL('c.oid = $1::oid'), [dep])).rows[0];
      if (row) queue.push(row);
    }
  }
  const ordered = dependencyOrder(relations);
  return { relations: ordered, enums: await loadEnums(db, ordered), notFound };
}
