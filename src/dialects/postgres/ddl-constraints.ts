/** add_primary_key in PostgreSQL: a guard that refuses a second key or nullable columns, then USING INDEX. */
import type { ActionRenderer } from '../actions.js';
import type { ConstraintAction } from '../actions-constraints.js';
import { lockOf } from './lock-modes.js';
import { quoteIdent as ident, quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { regclass } from './regclass.js';
import { dollarQuote } from './sql/plpgsql-function.js';

const primaryKey = (table: string, name: string) =>
  `(SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(table)} AND conname = ${literal(name)} AND contype = 'p')`;

/** No other primary key, and none of `columns` nullable. */
function guardHolds(table: string, name: string, columns: string[]): string {
  const otherKey =
    `NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(table)} AND contype = 'p' ` +
    `AND conname <> ${literal(name)})`;
  if (columns.length === 0) return otherKey;
  return (
    `${otherKey} AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(table)} AND attname IN ` +
    `(${columns.map(literal).join(', ')}) AND NOT attnotnull AND NOT attisdropped)`
  );
}

/**
 * A DO block that raises unless `table` has no primary key other than `name` and each of `columns`
 * is NOT NULL (ADD PRIMARY KEY would otherwise SET NOT NULL with a full scan under ACCESS EXCLUSIVE).
 */
export function primaryKeyGuardSql(table: string, name: string, columns: string[]): string {
  const nullable =
    columns.length === 0
      ? 'NULL'
      : `(SELECT string_agg(attname, ', ') FROM pg_attribute WHERE attrelid = ${regclass(table)} AND attname IN ` +
        `(${columns.map(literal).join(', ')}) AND NOT attnotnull AND NOT attisdropped)`;
  const body = [
    '',
    'DECLARE other_key text; nullable text;',
    'BEGIN',
    `  SELECT conname INTO other_key FROM pg_constraint WHERE conrelid = ${regclass(table)} AND contype = 'p' ` +
      `AND conname <> ${literal(name)};`,
    '  IF other_key IS NOT NULL THEN',
    `    RAISE EXCEPTION USING MESSAGE = ${literal(`${table} already has a primary key: `)} || other_key,`,
    `      HINT = ${literal('a table has one primary key: drop the old one in an earlier step, or add a unique constraint (add_unique) instead')};`,
    '  END IF;',
    `  nullable := ${nullable};`,
    '  IF nullable IS NOT NULL THEN',
    `    RAISE EXCEPTION USING MESSAGE = ${literal(`primary key ${name}: nullable column(s) of ${table}: `)} || nullable ||`,
    `      ${literal('; attaching the key would SET NOT NULL with a full scan under ACCESS EXCLUSIVE')},`,
    `      HINT = ${literal('list them in set_not_null: the plan then makes them NOT NULL without a long lock first')};`,
    '  END IF;',
    'END',
    '',
  ].join('\n');
  return `DO ${dollarQuote(body)}`;
}

export const constraintDdl: ActionRenderer<ConstraintAction> = {
  // Reads the catalog only: no table lock. In place when what it checks holds, or once this plan's key exists.
  'primary-key-guard': (a) => ({
    sql: primaryKeyGuardSql(a.table, a.name, a.mustBeNotNull),
    lock: lockOf('none', []),
    transactional: true,
    probe: `SELECT EXISTS ${primaryKey(a.table, a.name)} OR (${guardHolds(a.table, a.name, a.mustBeNotNull)})`,
  }),
  'add-primary-key-using-index': (a) => ({
    sql: [
      primaryKeyGuardSql(a.table, a.name, a.columns),
      `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.name)} PRIMARY KEY USING INDEX ${ident(a.index)}`,
    ].join(';\n'),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: `SELECT EXISTS ${primaryKey(a.table, a.name)}`,
  }),
  'add-primary-key-online': () => ({
    unsupported: 'PostgreSQL builds a primary key as a unique index CONCURRENTLY attached by USING INDEX',
    instead: 'use add_primary_key, which does exactly that',
  }),
};
