/**
 * Everything attached to one column, read from SQL Server's catalog views (see
 * src/introspect/column-attachments.ts for the model). What the model has that SQL Server has not:
 * an owned sequence (an IDENTITY is a column property, reported as `identity`; a sequence a default
 * draws from is not owned by the column), NO INHERIT (no table inheritance), replica identity
 * (replication follows the primary key), materialized views (an indexed view is a `view`). What SQL
 * Server has that the model has no place for: column-level DENY, masking, Always Encrypted,
 * sensitivity classifications; they are not read.
 */
import type { Queryable } from '../../db/connection.js';
import type { LiveColumnAttachments, LiveGrant, LiveIndexAttachment } from '../../introspect/column-attachments.js';
import { namesFromJson } from './introspect-keys.js';
import { quoteQualified } from './names.js';
import * as q from './introspect-column-sql.js';

async function rows<R>(db: Queryable, sql: string, params: unknown[]): Promise<R[]> {
  return (await db.query<R>(sql, params)).rows;
}

interface ColumnRow {
  table_id: number;
  column_id: number;
  is_nullable: boolean;
  is_identity: boolean;
  default: string | null;
  comment: string | null;
  collation: string | null;
}

interface IndexRow {
  name: string;
  unique: boolean;
  method: string;
  keys: string | null;
  include: string | null;
  where: string | null;
  constraint: 'p' | 'u' | null;
  plain: boolean;
}

interface ForeignKeyRow {
  name: string;
  outbound: boolean;
  inbound: boolean;
  table_name: string;
  ref_table: string;
  columns: string | null;
  ref_columns: string | null;
  on_delete: string;
  on_update: string;
  plain: boolean;
}

/** Privileges by grantee, PUBLIC (principal 0) apart from any role of that name. */
export function grantsOf(grantRows: { public: boolean; role: string | null; privilege: string }[]): LiveGrant[] {
  const grants = new Map<string | null, string[]>();
  for (const g of grantRows) {
    const who = g.public ? null : g.role;
    grants.set(who, [...(grants.get(who) ?? []), g.privilege]);
  }
  return [...grants].map(([role, privileges]): LiveGrant =>
    role === null ? { public: true, privileges } : { role, privileges },
  );
}

export const indexOf = (r: IndexRow): LiveIndexAttachment => ({
  name: r.name,
  unique: r.unique,
  method: r.method,
  keys: namesFromJson(r.keys),
  include: namesFromJson(r.include),
  where: r.where ?? null,
  constraint: r.constraint ?? null,
  plain: r.plain,
  replident: false,
});

export function foreignKeysOf(all: ForeignKeyRow[]): Pick<LiveColumnAttachments, 'foreignKeys' | 'inboundForeignKeys'> {
  return {
    foreignKeys: all
      .filter((f) => f.outbound)
      .map((f) => ({
        name: f.name,
        columns: namesFromJson(f.columns),
        references: { table: f.ref_table, columns: namesFromJson(f.ref_columns) },
        onDelete: f.on_delete,
        onUpdate: f.on_update,
        plain: f.plain,
      })),
    inboundForeignKeys: all.filter((f) => f.inbound).map((f) => ({ name: f.name, table: f.table_name })),
  };
}

/** The column's attachments, or null when the table or the column does not exist. */
export async function readColumnAttachments(
  db: Queryable,
  table: string,
  column: string,
): Promise<LiveColumnAttachments | null> {
  const [col] = await rows<ColumnRow>(db, q.COLUMN_SQL, [quoteQualified(table), column]);
  if (!col) return null;
  const at = [col.table_id, col.column_id, column];
  const grants = await rows<{ public: boolean; role: string | null; privilege: string }>(db, q.GRANTS_SQL, at);
  const indexes = await rows<IndexRow>(db, q.INDEXES_SQL, at);
  const checks = await rows<{ name: string; expression: string }>(db, q.CHECKS_SQL, at);
  const foreignKeys = await rows<ForeignKeyRow>(db, q.FOREIGN_KEYS_SQL, at);
  const views = await rows<{ name: string }>(db, q.VIEWS_SQL, at);
  const others = await rows<{ what: string }>(db, q.OTHERS_SQL, at);
  return {
    table,
    column,
    notNull: !col.is_nullable,
    identity: col.is_identity,
    default: col.default,
    comment: col.comment,
    collation: col.collation,
    grants: grantsOf(grants),
    ownedSequence: null,
    indexes: indexes.map(indexOf),
    checks: checks.map((c) => ({ name: c.name, expression: c.expression, noInherit: false })),
    ...foreignKeysOf(foreignKeys),
    views: views.map((v) => ({ name: v.name, kind: 'view' as const })),
    others: others.map((o) => o.what),
  };
}
