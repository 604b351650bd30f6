/** Table actions in PostgreSQL: NOT VALID constraints, CONCURRENTLY indexes, catalog probes. */
import type { ActionRenderer, Rendered } from '../actions.js';
import type { BuildIndexAction, Deferrable, ReferentialAction, TableAction } from '../actions-table.js';
import { splitQualified } from '../dialect.js';
import { commentSql } from './ddl-meta.js';
import { lockOf } from './lock-modes.js';
import { quoteIdent as ident, quoteQualified as qualified } from './names.js';
import { postgresProbes as probes } from './probes.js';
import { indexKeySql, storageSql } from './index-keys.js';
import { volatileDefaultGuardSql } from './volatile-calls.js';

const identList = (names: string[]): string => names.map(ident).join(', ');
const otherThan = (table: string, tables: string[]): string[] => tables.filter((t) => t !== table);

function referentialSql(action: ReferentialAction, columns?: string[]): string {
  const sql = action.replace('_', ' ').toUpperCase();
  return columns && columns.length > 0 ? `${sql} (${identList(columns)})` : sql;
}

function deferrableSql(d: Deferrable | undefined): string[] {
  if (!d) return [];
  return [d.initiallyDeferred ? 'DEFERRABLE INITIALLY DEFERRED' : 'DEFERRABLE'];
}

export function createIndexSql(a: Omit<BuildIndexAction, 'kind' | 'doneWhenConstraint'>): string {
  const columns = (a.columns ?? []).map((c, i) => indexKeySql(c, a.columnOptions?.[i]));
  const keys = [...columns, ...(a.expressions ?? []).map((e) => `(${e})`)].join(', ');
  const parts = [
    `CREATE ${a.unique ? 'UNIQUE ' : ''}INDEX ${a.online ? 'CONCURRENTLY ' : ''}${ident(a.name)}`,
    `ON ${qualified(a.table)}${a.method === 'btree' ? '' : ` USING ${a.method}`} (${keys})`,
  ];
  if (a.include) parts.push(`INCLUDE (${identList(a.include)})`);
  if (a.nullsNotDistinct) parts.push('NULLS NOT DISTINCT');
  if (a.storage && Object.keys(a.storage).length > 0) parts.push(`WITH (${storageSql(a.storage)})`);
  if (a.tablespace !== undefined) parts.push(`TABLESPACE ${ident(a.tablespace)}`);
  if (a.where) parts.push(`WHERE ${a.where}`);
  return parts.join(' ');
}

function buildIndex(a: BuildIndexAction): Rendered {
  const valid = probes.validIndexExists(a.name, a.table);
  const { schema } = splitQualified(a.table);
  return {
    sql: createIndexSql(a),
    lock: lockOf(a.online ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', [a.table]),
    transactional: !a.online,
    probe:
      a.doneWhenConstraint === undefined
        ? valid
        : probes.anyOf(valid, probes.constraintExists(a.table, a.doneWhenConstraint)),
    // Named for a plain build too (as before the move): the runner repairs only an INVALID leftover.
    buildsIndex: schema === undefined ? a.name : `${schema}.${a.name}`,
  };
}

export const tableDdl: ActionRenderer<TableAction> = {
  'add-column': (a) => {
    const calls = a.confirmNotVolatile ?? [];
    const guard = calls.length > 0 ? [volatileDefaultGuardSql(a.table, a.column, calls)] : [];
    const parts = [`ALTER TABLE ${qualified(a.table)} ADD COLUMN ${ident(a.column)} ${a.type}`];
    if (a.default !== undefined) parts.push(`DEFAULT (${a.default})`);
    if (a.notNull) parts.push('NOT NULL');
    const comment = a.comment === undefined ? [] : [commentSql(a.table, a.column, a.comment)];
    return {
      sql: [...guard, parts.join(' '), ...comment].join(';\n'),
      lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
      transactional: true,
      probe: probes.columnExistsWithType(a.table, a.column, a.type),
    };
  },
  'drop-column': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} DROP COLUMN IF EXISTS ${ident(a.column)}${a.cascade ? ' CASCADE' : ''}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.columnAbsent(a.table, a.column),
  }),
  'add-check-unchecked': (a) => ({
    sql:
      `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.name)} CHECK (${a.expression})` +
      `${a.noInherit ? ' NO INHERIT' : ''} NOT VALID`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.constraintExists(a.table, a.name),
  }),
  'add-foreign-key-unchecked': (a) => {
    const parts = [
      `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.name)}`,
      `FOREIGN KEY (${identList(a.columns)})`,
      `REFERENCES ${qualified(a.references.table)} (${identList(a.references.columns)})`,
    ];
    if (a.match === 'full') parts.push('MATCH FULL');
    if (a.onDelete) parts.push(`ON DELETE ${referentialSql(a.onDelete, a.onDeleteColumns)}`);
    if (a.onUpdate) parts.push(`ON UPDATE ${referentialSql(a.onUpdate)}`);
    parts.push(...deferrableSql(a.deferrable), 'NOT VALID');
    // Both tables get SHARE ROW EXCLUSIVE: the constraint's triggers are installed on each.
    return {
      sql: parts.join(' '),
      lock: lockOf('SHARE ROW EXCLUSIVE', [a.table, ...otherThan(a.table, [a.references.table])]),
      transactional: true,
      probe: probes.constraintExists(a.table, a.name),
    };
  },
  // The scan takes SHARE UPDATE EXCLUSIVE (reads and writes go on); the tables it reads only ROW SHARE.
  'validate-constraint': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} VALIDATE CONSTRAINT ${ident(a.name)}`,
    lock: lockOf('SHARE UPDATE EXCLUSIVE', [a.table, ...otherThan(a.table, a.alsoReads)]),
    transactional: true,
    probe: probes.constraintValidated(a.table, a.name),
  }),
  'drop-constraint': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} DROP CONSTRAINT IF EXISTS ${ident(a.name)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table, ...otherThan(a.table, a.alsoLocks)]),
    transactional: true,
    probe: probes.constraintAbsent(a.table, a.name),
  }),
  'build-index': buildIndex,
  'drop-index': (a) => {
    const { schema } = splitQualified(a.table);
    const schemaPrefix = schema === undefined ? '' : `${ident(schema)}.`;
    return {
      sql: `DROP INDEX ${a.online ? 'CONCURRENTLY ' : ''}IF EXISTS ${schemaPrefix}${ident(a.name)}`,
      lock: lockOf(a.online ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', [a.table]),
      transactional: !a.online,
      probe: probes.indexAbsent(a.name, a.table),
    };
  },
  'add-unique-using-index': (a) => ({
    sql: [
      `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.name)} UNIQUE USING INDEX ${ident(a.index)}`,
      ...deferrableSql(a.deferrable),
    ].join(' '),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.constraintExists(a.table, a.name),
  }),
  'add-unique-online': () => ({
    unsupported: 'PostgreSQL builds a UNIQUE constraint as an index CONCURRENTLY attached by USING INDEX',
    instead: 'use add_unique, which does exactly that',
  }),
  'raw-statements': (a) => {
    const rendered: Rendered = { sql: a.sql, lock: lockOf(a.lockLevel, a.on), transactional: a.transactional };
    if (a.buildsIndex === undefined) return rendered;
    const { table, name } = a.buildsIndex;
    return { ...rendered, buildsIndex: name, probe: probes.validIndexExists(name, table) };
  },
};
