/**
 * Read the live schema of a PostgreSQL database (or PGlite) in a handful of catalog queries.
 * Only pg_catalog is read: no lock is taken on any user table, so this never queues behind (or in
 * front of) a migration. Sizes come from pg_class statistics (reltuples, relpages), not from
 * pg_relation_size, which would open every relation.
 */
import type { Queryable } from '../../db/connection.js';
import {
  relationKey,
  type ConstraintType,
  type LiveColumn,
  type LiveConstraint,
  type LiveRelation,
  type LiveSchema,
  type RelationKind,
} from '../../introspect/live-schema.js';
import type { ServerSession } from '../introspect.js';
import { quoteIdent } from './names.js';
import { dependentsQuery } from './table-dependents.js';

const USER_SCHEMAS =
  `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE ` +
  `'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

const KINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  i: 'index',
  I: 'partitioned index',
  S: 'sequence',
};

const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  c: 'check',
  f: 'foreign key',
  p: 'primary key',
  u: 'unique',
  x: 'exclusion',
  n: 'not null',
  t: 'trigger',
};

export async function readServerInfo(db: Queryable): Promise<ServerSession> {
  const { rows } = await db.query<{ num: number | string; version: string; database: string; path: string }>(
    `SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS version, ` +
      `current_database() AS database, array_to_json(current_schemas(true))::text AS path`,
  );
  const row = rows[0];
  if (!row) throw new Error('internal: the server answered no version');
  const path = (JSON.parse(row.path) as string[]).filter((s) => !s.startsWith('pg_temp'));
  return {
    version: row.version.split(' ')[0] ?? row.version,
    versionNum: Number(row.num),
    database: row.database,
    searchPath: path,
  };
}

interface RelationRow {
  schema: string;
  name: string;
  kind: string;
  reltuples: number;
  bytes: number;
  populated: boolean;
}

async function readRelations(db: Queryable): Promise<Map<string, LiveRelation>> {
  const { rows } = await db.query<RelationRow>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.reltuples::float8 AS reltuples,
            (c.relpages::float8 + coalesce(t.relpages, 0)::float8) * current_setting('block_size')::float8 AS ` +
      `bytes, c.relispopulated AS populated
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'i', 'I', 'S') AND n.nspname NOT LIKE 'pg\\_toast%' AND ` +
      `n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  const relations = new Map<string, LiveRelation>();
  for (const r of rows) {
    const system = r.schema === 'pg_catalog' || r.schema === 'information_schema';
    // reltuples is -1 (PostgreSQL 14+) until the first VACUUM or ANALYZE: size unknown.
    const known = Number(r.reltuples) >= 0;
    relations.set(relationKey(r.schema, r.name), {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? 'table',
      rows: known ? Number(r.reltuples) : null,
      bytes: known ? Number(r.bytes) : null,
      populated: r.populated,
      columns: system ? null : [],
      constraints: [],
      triggers: [],
    });
  }
  return relations;
}

/** A partitioned table holds no rows itself: its size is the sum of its partitions'. */
async function addPartitionSizes(db: Queryable, relations: Map<string, LiveRelation>): Promise<void> {
  const { rows } = await db.query<{ parent: string; child: string }>(
    `SELECT pn.nspname || '.' || p.relname AS parent, cn.nspname || '.' || ch.relname AS child
     FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
     JOIN pg_class ch ON ch.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = ch.relnamespace WHERE p.relkind = 'p'`,
  );
  const children = new Map<string, string[]>();
  for (const r of rows) children.set(r.parent, [...(children.get(r.parent) ?? []), r.child]);
  const total = (key: string, depth = 0): { rows: number | null; bytes: number | null } => {
    const rel = relations.get(key);
    const kids = children.get(key);
    if (!kids || depth > 32) return { rows: rel?.rows ?? null, bytes: rel?.bytes ?? null };
    const parts = kids.map((k) => total(k, depth + 1)).filter((p) => p.rows !== null);
    if (parts.length === 0) return { rows: null, bytes: null };
    return { rows: parts.reduce((s, p) => s + (p.rows ?? 0), 0), bytes: parts.reduce((s, p) => s + (p.bytes ?? 0), 0) };
  };
  for (const [key, rel] of relations) {
    if (rel.kind === 'partitioned table') Object.assign(rel, total(key));
  }
}

async function readColumns(db: Queryable, relations: Map<string, LiveRelation>): Promise<void> {
  const { rows } = await db.query<
    { key: string } & Omit<LiveColumn, 'baseType' | 'notNull'> & { base_type: string; not_null: boolean }
  >(
    `SELECT n.nspname || '.' || c.relname AS key, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            format_type(a.atttypid, NULL) AS base_type, a.attnotnull AS not_null
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}
     ORDER BY a.attrelid, a.attnum`,
  );
  for (const r of rows)
    relations.get(r.key)?.columns?.push({ name: r.name, type: r.type, baseType: r.base_type, notNull: r.not_null });
}

async function readIndexes(db: Queryable, relations: Map<string, LiveRelation>, versionNum: number): Promise<void> {
  const keyCount = versionNum >= 110000 ? 'i.indnkeyatts' : 'i.indnatts';
  const { rows } = await db.query<{
    key: string;
    table_key: string;
    valid: boolean;
    unique: boolean;
    primary: boolean;
    partial: boolean;
    columns: string | null;
  }>(
    `SELECT n.nspname || '.' || c.relname AS key, tn.nspname || '.' || t.relname AS table_key, i.indisvalid AS ` +
      `valid, i.indisunique AS unique,
            i.indisprimary AS primary, i.indpred IS NOT NULL AS partial,
            CASE WHEN i.indexprs IS NULL THEN array_to_json(ARRAY(
              SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE k.ord <= ${keyCount} ` +
      `ORDER BY k.ord))::text END AS columns
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
     WHERE ${USER_SCHEMAS}`,
  );
  for (const r of rows) {
    const rel = relations.get(r.key);
    if (!rel) continue;
    rel.index = {
      table: r.table_key,
      valid: r.valid,
      unique: r.unique,
      primary: r.primary,
      partial: r.partial,
      columns: r.columns === null ? null : (JSON.parse(r.columns) as string[]),
    };
  }
}

/** `CHECK ((customer_id IS NOT NULL))` on one column: the shape that lets SET NOT NULL skip its scan. */
function notNullColumn(definition: string | null, columns: string[]): string | undefined {
  const match = /^CHECK \(+(.+?) IS NOT NULL\)+(?: NOT VALID)?$/.exec(definition ?? '');
  const column = columns.length === 1 ? columns[0] : undefined;
  return match && column !== undefined && (match[1] === column || match[1] === quoteIdent(column)) ? column : undefined;
}

async function readConstraints(db: Queryable, relations: Map<string, LiveRelation>): Promise<void> {
  const { rows } = await db.query<{
    key: string;
    name: string;
    type: string;
    validated: boolean;
    columns: string;
    definition: string | null;
    ref_table: string | null;
    ref_index: string | null;
  }>(
    `SELECT n.nspname || '.' || c.relname AS key, k.conname AS name, k.contype::text AS type, k.convalidated AS ` +
      `validated,
            array_to_json(ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord))::text AS columns,
            CASE WHEN k.contype = 'c' THEN pg_get_constraintdef(k.oid) END AS definition,
            (SELECT rn.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
              WHERE k.contype = 'f' AND r.oid = k.confrelid) AS ref_table,
            (SELECT i.relname::text FROM pg_class i WHERE k.contype = 'f' AND i.oid = k.conindid) AS ref_index
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_SCHEMAS}`,
  );
  for (const r of rows) {
    const columns = JSON.parse(r.columns) as string[];
    const constraint: LiveConstraint = {
      name: r.name,
      type: CONSTRAINT_TYPES[r.type] ?? 'check',
      validated: r.validated,
      columns,
    };
    const notNullOf = notNullColumn(r.definition, columns);
    if (notNullOf !== undefined) constraint.notNullOf = notNullOf;
    if (r.ref_table !== null) constraint.references = { table: r.ref_table, index: r.ref_index ?? '' };
    relations.get(r.key)?.constraints.push(constraint);
  }
}

async function readTriggers(db: Queryable, relations: Map<string, LiveRelation>): Promise<void> {
  const { rows } = await db.query<{ key: string; name: string }>(
    `SELECT n.nspname || '.' || c.relname AS key, t.tgname AS name
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND ${USER_SCHEMAS}`,
  );
  for (const r of rows) relations.get(r.key)?.triggers.push(r.name);
}

/** For every user table: the views, other tables' foreign keys and children that DROP TABLE would need CASCADE for. */
async function readDependents(db: Queryable, relations: Map<string, LiveRelation>): Promise<void> {
  const tables =
    `d.refobjid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ` +
    `c.relkind IN ('r', 'p', 'f') AND ${USER_SCHEMAS})`;
  const { rows } = await db.query<{
    key: string;
    what: string;
    relation: string | null;
    constraint_name: string | null;
  }>(
    `SELECT n.nspname || '.' || t.relname AS key, deps.what, deps.relation, deps.constraint_name
     FROM (${dependentsQuery(tables)}) AS deps JOIN pg_class t ON t.oid = deps.table_oid
     JOIN pg_namespace n ON n.oid = t.relnamespace`,
  );
  for (const r of rows) {
    const rel = relations.get(r.key);
    if (rel) (rel.dependents ??= []).push({ what: r.what, relation: r.relation, constraint: r.constraint_name });
  }
}

/** The whole schema as plain data, read once (tables, columns, indexes, constraints, triggers, sizes). */
export async function readLiveSchema(db: Queryable): Promise<LiveSchema> {
  const server = await readServerInfo(db);
  const relations = await readRelations(db);
  await addPartitionSizes(db, relations);
  await readColumns(db, relations);
  await readIndexes(db, relations, server.versionNum);
  await readConstraints(db, relations);
  await readTriggers(db, relations);
  await readDependents(db, relations);
  return {
    server: { version: server.version, versionNum: server.versionNum },
    database: server.database,
    searchPath: server.searchPath,
    relations: [...relations.values()],
  };
}

const SERIAL_TYPES: Record<string, string> = {
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

/**
 * Each type name as the server spells its base type (`int8`, `BIGINT` → `bigint`; typmods dropped),
 * or null when the server knows no such type.
 */
export async function resolveTypes(db: Queryable, types: Iterable<string>): Promise<Map<string, string | null>> {
  const resolved = new Map<string, string | null>();
  for (const type of new Set(types)) {
    const serial = SERIAL_TYPES[type.trim().toLowerCase()];
    if (serial !== undefined) {
      resolved.set(type, serial);
      continue;
    }
    try {
      const { rows } = await db.query<{ base: string | null }>('SELECT format_type(to_regtype($1), NULL) AS base', [
        type,
      ]);
      resolved.set(type, rows[0]?.base ?? null);
    } catch {
      // Before PostgreSQL 16, to_regtype raises on some malformed names instead of returning NULL.
      resolved.set(type, null);
    }
  }
  return resolved;
}
