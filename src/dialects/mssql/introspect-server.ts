/**
 * The server and session, and type names, as SQL Server answers them. SQL Server has no search
 * path: an unqualified name is looked up in the user's default schema (SCHEMA_NAME()), then in dbo;
 * system objects (sys.sysobjects, the sys views) resolve from sys, which is the schema searched
 * implicitly. https://learn.microsoft.com/sql/relational-databases/security/authentication-access/ownership-and-user-schema-separation
 */
import type { Queryable } from '../../db/connection.js';
import type { BuiltInSchemas, ServerSession } from '../introspect.js';

/** sys is searched for system objects; sys and INFORMATION_SCHEMA hold only the catalog. */
export const MSSQL_BUILT_IN_SCHEMAS: BuiltInSchemas = { implicit: 'sys', system: ['sys', 'INFORMATION_SCHEMA'] };

export const SERVER_INFO_SQL =
  "SELECT CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS version, DB_NAME() AS [database], " +
  'SCHEMA_NAME() AS [schema]';

/**
 * `16.0.4135.4` → 160004135: major × 10⁷ + minor × 10⁵ + build, increasing with every release
 * and cumulative update (the revision, last, is left out).
 */
export function versionNumber(version: string): number {
  const [major = 0, minor = 0, build = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return major * 10_000_000 + minor * 100_000 + build;
}

/** Where an unqualified name is looked up, in order: the default schema, dbo, then sys (system objects). */
export function searchPathOf(defaultSchema: string | null): string[] {
  const own = defaultSchema ?? 'dbo';
  return [own, ...(own === 'dbo' ? [] : ['dbo']), 'sys'];
}

export async function serverInfo(db: Queryable): Promise<ServerSession> {
  const { rows } = await db.query<{ version: string; database: string; schema: string | null }>(SERVER_INFO_SQL);
  const row = rows[0];
  if (!row) throw new Error('internal: the server answered no version');
  return {
    version: row.version,
    versionNum: versionNumber(row.version),
    database: row.database,
    searchPath: searchPathOf(row.schema),
  };
}

/** The ISO synonyms SQL Server accepts for its types (TYPE_ID knows only the types' own names). */
const SYNONYMS: Record<string, string> = {
  'binary varying': 'varbinary',
  'char varying': 'varchar',
  character: 'char',
  'character varying': 'varchar',
  dec: 'decimal',
  'double precision': 'float',
  integer: 'int',
  'national char': 'nchar',
  'national character': 'nchar',
  'national char varying': 'nvarchar',
  'national character varying': 'nvarchar',
  'national text': 'ntext',
  rowversion: 'timestamp',
};

/**
 * The name TYPE_ID is asked about: lengths and precisions dropped, ISO synonyms replaced;
 * `float(n)` with n ≤ 24 is `real`. https://learn.microsoft.com/sql/t-sql/data-types/data-type-synonyms-transact-sql
 */
export function typeLookupName(type: string): string {
  const match = /^\s*(.*?)\s*(?:\(\s*([^)]*)\))?\s*$/s.exec(type);
  const name = (match?.[1] ?? type).replace(/\s+/g, ' ');
  const lower = name.toLowerCase();
  if (lower === 'float' && match?.[2] !== undefined && Number(match[2]) <= 24) return 'real';
  return SYNONYMS[lower] ?? name;
}

/** Each type name as SQL Server names the type (alias types by their own name), or null when it has none such. */
export async function resolveTypes(db: Queryable, types: Iterable<string>): Promise<Map<string, string | null>> {
  const resolved = new Map<string, string | null>();
  for (const type of new Set(types)) {
    const { rows } = await db.query<{ base: string | null }>('SELECT TYPE_NAME(TYPE_ID($1)) AS base', [
      typeLookupName(type),
    ]);
    resolved.set(type, rows[0]?.base ?? null);
  }
  return resolved;
}

/** A column's type as sys.columns describes it (max_length in bytes, -1 for max). */
export interface ColumnTypeRow {
  type_name: string;
  alias: boolean;
  max_length: number;
  precision: number;
  scale: number;
}

const BYTE_LENGTH = new Set(['varchar', 'char', 'varbinary', 'binary']);
const UNICODE_LENGTH = new Set(['nvarchar', 'nchar']);
const FRACTIONAL_SECONDS = new Set(['datetime2', 'time', 'datetimeoffset']);

/** As people write it: `nvarchar(255)`, `varchar(max)`, `decimal(10, 2)`, `datetime2(3)`; an alias type by its name. */
export function columnType(r: ColumnTypeRow): string {
  const t = r.type_name;
  if (r.alias) return t;
  if (BYTE_LENGTH.has(t)) return `${t}(${r.max_length === -1 ? 'max' : r.max_length})`;
  if (UNICODE_LENGTH.has(t)) return `${t}(${r.max_length === -1 ? 'max' : r.max_length / 2})`;
  if (t === 'decimal' || t === 'numeric') return `${t}(${r.precision}, ${r.scale})`;
  if (FRACTIONAL_SECONDS.has(t)) return `${t}(${r.scale})`;
  return t;
}
