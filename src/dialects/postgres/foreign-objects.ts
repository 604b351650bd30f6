/**
 * Catalog checks for what a view over another database stands on: the wrapper extension, the
 * foreign server, the current user's mapping on it, and the plan's schema of foreign tables.
 * An extension or server that already exists is used as it is (never altered); a server whose
 * wrapper or connection differs from the plan's is refused rather than read from silently.
 */
import type { DbObject } from '../probes.js';
import { quoteLiteral as literal } from './names.js';

type ForeignObject = Extract<DbObject, { kind: 'extension' | 'foreign server' | 'user mapping' | 'schema' }>;

export function isForeignObject(o: DbObject): o is ForeignObject {
  return ['extension', 'foreign server', 'user mapping', 'schema'].includes(o.kind);
}

export const foreignProbes = {
  extensionExists: (name: string) => `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = ${literal(name)})`,
  extensionAbsent: (name: string) => `SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = ${literal(name)})`,
  serverExists: (name: string) => `SELECT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = ${literal(name)})`,
  serverAbsent: (name: string) =>
    `SELECT NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = ${literal(name)})`,
  // pg_user_mappings (unlike pg_user_mapping) is readable by everyone.
  mappingExists: (server: string) =>
    `SELECT EXISTS (SELECT 1 FROM pg_user_mappings WHERE srvname = ${literal(server)} AND usename = current_user)`,
  /** No mapping on `server` for `role` (absent: the current role). */
  mappingAbsent: (server: string, role?: string) =>
    `SELECT NOT EXISTS (SELECT 1 FROM pg_user_mappings WHERE srvname = ${literal(server)} AND usename = ` +
    `${role === undefined ? 'current_user' : literal(role)})`,
  schemaExists: (name: string) => `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${literal(name)})`,
  schemaAbsent: (name: string) => `SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${literal(name)})`,
  /** Every one of `tables` is a foreign table in `schema` (none when the list is empty is not "done"). */
  foreignTablesExist: (schema: string, tables: string[]) =>
    `SELECT count(*) = ${tables.length} FROM pg_foreign_table f JOIN pg_class c ON c.oid = f.ftrelid JOIN ` +
    `pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${literal(schema)} AND c.relname = ANY (ARRAY[` +
    `${tables.map(literal).join(', ')}]::text[])`,
  foreignTablesAbsent: (schema: string, tables: string[]) =>
    `SELECT NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ` +
    `${literal(schema)} AND c.relname = ANY (ARRAY[${tables.map(literal).join(', ')}]::text[]))`,
};

/** One row, one column `def` (JSON, NULL when absent): what exists by that name now. */
export function foreignObjectDefinition(o: ForeignObject): string {
  switch (o.kind) {
    case 'extension':
      return `SELECT (SELECT jsonb_build_object('version', extversion) FROM pg_extension WHERE extname = ${literal(o.name)}) AS def`;
    case 'foreign server':
      return (
        `SELECT (SELECT jsonb_build_object('wrapper', w.fdwname, 'options', (SELECT jsonb_object_agg(split_part(opt, ` +
        `'=', 1), substr(opt, strpos(opt, '=') + 1)) FROM unnest(s.srvoptions) AS opt)) FROM pg_foreign_server s ` +
        `JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE s.srvname = ${literal(o.name)}) AS def`
      );
    case 'user mapping':
      return (
        `SELECT (SELECT jsonb_build_object('user', usename) FROM pg_user_mappings WHERE srvname = ` +
        `${literal(o.name)} AND usename = current_user) AS def`
      );
    case 'schema':
      return `SELECT (SELECT jsonb_build_object('schema', nspname) FROM pg_namespace WHERE nspname = ${literal(o.name)}) AS def`;
  }
}

function serverDifferences(o: Extract<ForeignObject, { kind: 'foreign server' }>, live: Record<string, unknown>) {
  const out: string[] = [];
  if (live.wrapper !== o.wrapper) out.push(`it uses the wrapper ${String(live.wrapper)}, the plan says ${o.wrapper}`);
  const options = (live.options ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(o.connection ?? {})) {
    // libpq's defaults: an option the server does not set is the default, which the URL may spell out.
    const liveValue = options[key] ?? (key === 'port' ? '5432' : undefined);
    if (liveValue !== undefined && liveValue !== value) {
      out.push(`its ${key} is ${liveValue}, the URL in the environment says ${value}`);
    }
  }
  return out;
}

/** How the existing object differs from what the plan would create; empty when it can be used as it is. */
export function foreignObjectDifferences(o: ForeignObject, live: Record<string, unknown>): string[] {
  switch (o.kind) {
    case 'extension':
    case 'user mapping':
      return [];
    case 'foreign server':
      return serverDifferences(o, live);
    case 'schema':
      return [`schemashift imports foreign tables only into a schema it creates (${o.name} was already there)`];
  }
}
