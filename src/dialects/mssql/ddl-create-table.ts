/**
 * create_table and drop_table in T-SQL. The table, its constraints and its comments appear in one
 * transaction; a table already under that name is never taken over (THROW). DROP TABLE refuses,
 * naming them, while other objects depend on the table, as PostgreSQL's DROP without CASCADE does.
 */
import type { ActionRenderer, Rendered, Unsupported } from '../actions.js';
import type { CreateTableAction, CreateTableActions } from '../actions-create-table.js';
import { literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { atomically, bit, throwSql } from './ddl-meta-sql.js';
import { createTableRefusal, createTableStatements } from './ddl-create-table-sql.js';
import { dependentsGuardSql } from './ddl-create-table-dependents.js';

/** How sys.types names a type the plan may write otherwise (TYPE_NAME of the column's user_type_id). */
const TYPE_SYNONYMS: Record<string, string> = {
  integer: 'int',
  dec: 'decimal',
  'double precision': 'float',
  character: 'char',
  'char varying': 'varchar',
  'character varying': 'varchar',
  'national character': 'nchar',
  'national char': 'nchar',
  'national character varying': 'nvarchar',
  'national char varying': 'nvarchar',
  'national text': 'ntext',
  rowversion: 'timestamp',
};

/** `nvarchar(200)` → `nvarchar`, `[dbo].[money_t]` → `money_t`: the name TYPE_NAME gives, lengths aside. */
export function catalogTypeName(type: string): string {
  const bare = type.replace(/\(.*$/s, '').trim().split('.').pop() ?? '';
  const name = bare
    .replace(/^\[(.*)\]$/s, '$1')
    .replace(/\s+/g, ' ')
    .toLowerCase();
  return TYPE_SYNONYMS[name] ?? name;
}

/** The table exists as a user table with exactly the plan's columns (names and types, lengths aside). */
export function tableWithColumnsProbe(name: string, columns: { name: string; type: string }[]): string {
  const id = objectId(name);
  const planned = columns.map((c) => `(${literal(c.name)}, ${literal(catalogTypeName(c.type))})`).join(', ');
  return bit(
    `OBJECTPROPERTY(${id}, 'IsUserTable') = 1 ` +
      `AND (SELECT COUNT(*) FROM sys.columns WHERE object_id = ${id}) = ${columns.length} ` +
      `AND NOT EXISTS (SELECT 1 FROM (VALUES ${planned}) AS p(name, type) WHERE NOT EXISTS ` +
      `(SELECT 1 FROM sys.columns AS c WHERE c.object_id = ${id} AND c.name = p.name AND TYPE_NAME(c.user_type_id) = p.type))`,
  );
}

/** A foreign key records the reference on the referenced table too: Sch-M there while the table is created. */
function referencedTables(a: CreateTableAction): string[] {
  const tables = a.constraints.flatMap((c) => (c.type === 'foreign key' ? [c.references.table] : []));
  return [...new Set(tables)].filter((t) => t !== a.name);
}

function createTable(a: CreateTableAction): Rendered | Unsupported {
  const refused = createTableRefusal(a);
  if (refused) return refused;
  const exists = throwSql(
    literal(`${a.name} already exists and this step did not create it: schemashift never takes over a table`),
  );
  const referenced = referencedTables(a);
  return {
    sql: atomically([`IF ${objectId(a.name)} IS NOT NULL ${exists}`, ...createTableStatements(a)]),
    lock: referenced.length > 0 ? mssqlLock('Sch-M', referenced) : mssqlLock('none', []),
    transactional: true,
    probe: tableWithColumnsProbe(a.name, a.columns),
  };
}

export const createTableDdl: ActionRenderer<CreateTableActions> = {
  'create-table': createTable,
  'drop-table': (a) => ({
    sql: atomically([
      dependentsGuardSql(a.name, 'table'),
      `IF OBJECTPROPERTY(${objectId(a.name)}, 'IsUserTable') = 1 DROP TABLE ${qualified(a.name)}`,
    ]),
    lock: mssqlLock('Sch-M', [a.name]),
    transactional: true,
    probe: bit(`${objectId(a.name)} IS NULL`),
  }),
};
