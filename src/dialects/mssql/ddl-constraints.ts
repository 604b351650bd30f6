/**
 * add_primary_key in T-SQL: the guard renders (a catalog check that THROWs); attaching an existing
 * index as the key does not exist in SQL Server (refused), so the key builds its own index online.
 */
import type { ActionRenderer } from '../actions.js';
import type { ConstraintAction } from '../actions-constraints.js';
import { literal, objectId } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { addPrimaryKeyOnline } from './ddl-primary-key-online.js';

const namedKey = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM sys.key_constraints WHERE parent_object_id = ${objectId(table)} AND type = 'PK' ` +
  `AND name = ${literal(name)})`;

const otherKey = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM sys.key_constraints WHERE parent_object_id = ${objectId(table)} AND type = 'PK' ` +
  `AND name <> ${literal(name)})`;

const nullable = (table: string, columns: string[]): string =>
  `EXISTS (SELECT 1 FROM sys.columns WHERE object_id = ${objectId(table)} AND is_nullable = 1 ` +
  `AND name IN (${columns.map(literal).join(', ')}))`;

/** THROW (error 50000) unless `table` has no other primary key and none of `columns` is nullable. */
export function primaryKeyGuardSql(table: string, name: string, columns: string[]): string {
  const statements = [
    `IF ${otherKey(table, name)} THROW 50000, ${literal(
      `${table} already has a primary key; a table has one primary key: drop the old one in an earlier step, ` +
        'or add a unique constraint (add_unique) instead',
    )}, 1`,
  ];
  if (columns.length > 0) {
    statements.push(
      `IF ${nullable(table, columns)} THROW 50000, ${literal(
        `primary key ${name}: a column of ${table} among ${columns.join(', ')} is nullable; ` +
          'list it in set_not_null so the plan makes it NOT NULL first',
      )}, 1`,
    );
  }
  return `${statements.join(';\n')};`;
}

export const constraintDdl: ActionRenderer<ConstraintAction> = {
  'primary-key-guard': (a) => {
    const holds =
      a.mustBeNotNull.length === 0
        ? `NOT ${otherKey(a.table, a.name)}`
        : `NOT ${otherKey(a.table, a.name)} AND NOT ${nullable(a.table, a.mustBeNotNull)}`;
    return {
      sql: primaryKeyGuardSql(a.table, a.name, a.mustBeNotNull),
      lock: mssqlLock('none', []),
      transactional: true,
      probe: `SELECT CAST(CASE WHEN ${namedKey(a.table, a.name)} OR (${holds}) THEN 1 ELSE 0 END AS bit)`,
    };
  },
  'add-primary-key-using-index': (a) => ({
    unsupported: `SQL Server cannot make the existing index ${a.index} the primary key (no ADD PRIMARY KEY … USING INDEX)`,
    instead:
      `add the key in raw sql with ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY NONCLUSTERED (…) WITH (ONLINE = ON) ` +
      '(SQL Server 2022 also takes RESUMABLE = ON there), then drop the unique index',
  }),
  'add-primary-key-online': addPrimaryKeyOnline,
};
