/**
 * `import --database URL`: what the SQL alone cannot say, read from the database the migration was written for —
 * the types of existing columns (so `RENAME COLUMN` of one becomes `rename_column`), and what an existing column
 * carries (NOT NULL, default, indexes, checks, foreign keys, grants), declared on its `change_type`/`rename_column`
 * exactly as `new change-type --database` does. Only catalogs are read.
 */
import { connect } from '../db/index.js';
import type { ImportedStatement, ImportMemory } from '../dialects/import.js';
import { postgres } from '../dialects/postgres/postgres-dialect.js';
import type { Connection } from '../db/index.js';
import {
  compareCarry,
  declarationsFromLive,
  describeCarryProblems,
  hasCarryProblems,
  withoutDefaults,
} from '../introspect/carry-diff.js';

export interface LiveCatalog {
  conn: Connection;
  /** `table.column` → type, both schema-qualified and as an unqualified name resolves through the search_path. */
  columnTypes: Map<string, string>;
  /** Partitioned tables, `schema.table`. */
  partitioned: string[];
  /** `schema.name` of every relation (tables, views, indexes, sequences) and of every constraint: taken names. */
  relationNames: string[];
  constraintNames: string[];
}

export async function openCatalog(url: string, cwd: string): Promise<LiveCatalog> {
  const conn = await connect(url, { applicationName: 'schemashift import', cwd });
  try {
    const schema = await postgres.introspect.liveSchema(conn);
    const columnTypes = new Map<string, string>();
    const visible = new Set<string>();
    for (const searched of schema.searchPath)
      for (const relation of schema.relations.filter((r) => r.schema === searched && r.kind === 'table')) {
        const unqualified = !visible.has(relation.name);
        visible.add(relation.name);
        for (const column of relation.columns ?? []) {
          columnTypes.set(`${relation.schema}.${relation.name}.${column.name}`, column.type);
          if (unqualified) columnTypes.set(`${relation.name}.${column.name}`, column.type);
        }
      }
    for (const relation of schema.relations.filter((r) => r.kind === 'table'))
      for (const column of relation.columns ?? [])
        columnTypes.set(`${relation.schema}.${relation.name}.${column.name}`, column.type);
    const partitioned = schema.relations
      .filter((r) => r.kind === 'partitioned table')
      .map((r) => `${r.schema}.${r.name}`);
    const relationNames = schema.relations.map((r) => `${r.schema}.${r.name}`);
    const constraintNames = schema.relations.flatMap((r) => r.constraints.map((c) => `${r.schema}.${c.name}`));
    return { conn, columnTypes, partitioned, relationNames, constraintNames };
  } catch (e) {
    await conn.close();
    throw e;
  }
}

/**
 * Seeds an import's memory with the live column types (what the import's own statements create wins) and the
 * names already taken, so that a generated name is numbered past them as PostgreSQL numbers it.
 */
export function seedMemory(memory: ImportMemory, catalog: LiveCatalog): void {
  for (const [key, type] of catalog.columnTypes) memory.columnTypes.set(key, type);
  for (const table of catalog.partitioned) memory.partitionedTables.add(table);
  for (const name of catalog.relationNames) memory.relationNames.add(name);
  for (const name of catalog.constraintNames) memory.constraintNames.add(name);
}

const CARRYING: Record<string, 'column' | 'from'> = { change_type: 'column', rename_column: 'from' };

/** Declares on every change_type/rename_column of an existing column what it carries; notes what cannot be. */
export async function declareCarried(statements: ImportedStatement[], catalog: LiveCatalog): Promise<void> {
  for (const imported of statements.flatMap((s) => s.steps)) {
    const [kind, spec] = Object.entries(imported.step)[0] as [string, Record<string, unknown>];
    const field = CARRYING[kind];
    if (!field) continue;
    const [table, column] = [String(spec.table), String(spec[field])];
    const live = await postgres.introspect.columnAttachments(catalog.conn, table, column);
    if (!live) continue;
    const declarations = declarationsFromLive(live);
    // What the import itself decided (a NOT NULL or DEFAULT folded in from a later statement) wins over the catalog.
    for (const [key, value] of Object.entries(withoutDefaults(declarations))) if (!(key in spec)) spec[key] = value;
    imported.decision += '; what the column carries is declared from the catalog (--database)';
    const problems = compareCarry(kind, { table, ...declarations }, live);
    if (hasCarryProblems(problems))
      imported.decision += `; NOT CARRIED: ${describeCarryProblems(kind, column, problems, live).message}`;
  }
}
