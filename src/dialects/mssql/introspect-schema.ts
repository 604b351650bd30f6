/**
 * Read the live schema of a SQL Server database in a handful of catalog queries (sys.* views only:
 * no lock on any user table). Sizes come from sys.partitions (rows, approximate) and
 * sys.allocation_units (pages of 8 KB), not from a scan. What the shared model (live-schema.ts) has
 * no place for, or SQL Server has not: partitioned tables are plain tables here (partitioning is
 * storage, not a relation kind); indexed views are `view`; `populated` is always true; sequences are
 * listed, synonyms, table types and functions are not; index names are unique per table in SQL
 * Server, not per schema, so two tables of one schema with a same-named index share one key
 * (`schema.name`) and the later one read wins.
 */
import type { Queryable } from '../../db/connection.js';
import {
  relationKey,
  type ConstraintType,
  type LiveConstraint,
  type LiveRelation,
  type LiveSchema,
  type RelationKind,
} from '../../introspect/live-schema.js';
import { indexKeyColumnsJson, namesFromJson } from './introspect-keys.js';
import { columnType, serverInfo, type ColumnTypeRow } from './introspect-server.js';
import * as q from './introspect-schema-sql.js';

const KINDS: Record<string, RelationKind> = { U: 'table', V: 'view', SO: 'sequence' };

interface RelationRow {
  id: number;
  schema: string;
  name: string;
  type: string;
  system: boolean;
}

interface SizeRow {
  id: number;
  index_id: number;
  rows: number;
  bytes: number | null;
}

/** Relations by object id (tables, views, sequences) and index relations by `id.index_id`. */
type ById = Map<string, LiveRelation>;

async function readRelations(db: Queryable): Promise<ById> {
  const { rows } = await db.query<RelationRow>(q.RELATIONS_SQL);
  const byId: ById = new Map();
  for (const r of rows) {
    byId.set(String(r.id), {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.type.trim()] ?? 'table',
      rows: null,
      bytes: null,
      populated: true,
      columns: r.system ? null : [],
      constraints: [],
      triggers: [],
    });
  }
  return byId;
}

async function readColumns(db: Queryable, byId: ById): Promise<void> {
  const { rows } = await db.query<ColumnTypeRow & { id: number; name: string; is_nullable: boolean }>(q.COLUMNS_SQL);
  for (const r of rows) {
    byId.get(String(r.id))?.columns?.push({
      name: r.name,
      type: columnType(r),
      baseType: r.type_name,
      notNull: !r.is_nullable,
    });
  }
}

interface IndexRow {
  id: number;
  index_id: number;
  name: string;
  type: number;
  is_unique: boolean;
  is_primary_key: boolean;
  has_filter: boolean;
  is_disabled: boolean;
  columns: string | null;
}

/** Rowstore indexes (clustered, nonclustered) list their key columns; columnstore, XML and spatial ones null. */
async function readIndexes(db: Queryable, byId: ById): Promise<void> {
  const { rows } = await db.query<IndexRow>(q.indexesSql(indexKeyColumnsJson('i.object_id', 'i.index_id')));
  for (const r of rows) {
    const table = byId.get(String(r.id));
    if (!table) continue;
    byId.set(`${r.id}.${r.index_id}`, {
      schema: table.schema,
      name: r.name,
      kind: 'index',
      rows: null,
      bytes: null,
      populated: true,
      columns: [],
      constraints: [],
      triggers: [],
      index: {
        table: relationKey(table.schema, table.name),
        valid: !r.is_disabled,
        unique: r.is_unique,
        primary: r.is_primary_key,
        partial: r.has_filter,
        columns: r.type === 1 || r.type === 2 ? namesFromJson(r.columns) : null,
      },
    });
  }
}

/** A table's size is its heap or clustered index (index_id 0 or 1); an index's its own. */
async function readSizes(db: Queryable, byId: ById): Promise<void> {
  const { rows } = await db.query<SizeRow>(q.SIZES_SQL);
  for (const r of rows) {
    const own = r.index_id <= 1 ? byId.get(String(r.id)) : undefined;
    const index = r.index_id > 0 ? byId.get(`${r.id}.${r.index_id}`) : undefined;
    for (const rel of [own, index]) {
      if (!rel) continue;
      rel.rows = Number(r.rows);
      rel.bytes = Number(r.bytes ?? 0);
    }
  }
}

/** `([customer_id] IS NOT NULL)` on one column, as SQL Server stores such a CHECK. */
export function notNullColumn(definition: string | null, columns: string[]): string | undefined {
  const match = /^\(*\s*(\[(?:[^\]]|\]\])+\]|[A-Za-z_][A-Za-z0-9_$#@]*)\s+IS\s+NOT\s+NULL\s*\)*$/i.exec(
    definition ?? '',
  );
  const column = columns.length === 1 ? columns[0] : undefined;
  if (!match || column === undefined) return undefined;
  const named = (match[1] as string).startsWith('[')
    ? (match[1] as string).slice(1, -1).replaceAll(']]', ']')
    : match[1];
  return named?.toLowerCase() === column.toLowerCase() ? column : undefined;
}

interface ConstraintRow {
  id: number;
  name: string;
  type: ConstraintType;
  validated: boolean;
  columns: string | null;
  definition: string | null;
  ref_table: string | null;
  ref_index: string | null;
}

async function readConstraints(db: Queryable, byId: ById): Promise<void> {
  const { rows } = await db.query<ConstraintRow>(
    q.constraintsSql(indexKeyColumnsJson('k.parent_object_id', 'k.unique_index_id')),
  );
  for (const r of rows) {
    const columns = namesFromJson(r.columns);
    const constraint: LiveConstraint = { name: r.name, type: r.type, validated: r.validated, columns };
    const notNullOf = r.type === 'check' ? notNullColumn(r.definition, columns) : undefined;
    if (notNullOf !== undefined) constraint.notNullOf = notNullOf;
    if (r.ref_table !== null) constraint.references = { table: r.ref_table, index: r.ref_index ?? '' };
    byId.get(String(r.id))?.constraints.push(constraint);
  }
}

async function readTriggers(db: Queryable, byId: ById): Promise<void> {
  const { rows } = await db.query<{ id: number; name: string }>(q.TRIGGERS_SQL);
  for (const r of rows) byId.get(String(r.id))?.triggers.push(r.name);
}

async function readDependents(db: Queryable, byId: ById): Promise<void> {
  const { rows } = await db.query<{
    id: number;
    what: string;
    relation: string | null;
    constraint_name: string | null;
  }>(q.DEPENDENTS_SQL);
  for (const r of rows) {
    const rel = byId.get(String(r.id));
    if (rel) (rel.dependents ??= []).push({ what: r.what, relation: r.relation, constraint: r.constraint_name });
  }
}

/** The whole schema as plain data, read once (tables, views, sequences, indexes, constraints, triggers, sizes). */
export async function readLiveSchema(db: Queryable): Promise<LiveSchema> {
  const server = await serverInfo(db);
  const byId = await readRelations(db);
  await readColumns(db, byId);
  await readIndexes(db, byId);
  await readSizes(db, byId);
  await readConstraints(db, byId);
  await readTriggers(db, byId);
  await readDependents(db, byId);
  return {
    server: { version: server.version, versionNum: server.versionNum },
    database: server.database,
    searchPath: server.searchPath,
    relations: [...byId.values()],
  };
}
