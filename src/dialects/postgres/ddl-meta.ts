/**
 * Table metadata in PostgreSQL: column defaults, comments, replica identity, constraint names.
 * Catalog-only changes (no scan, no rewrite); the lock each takes was read from pg_locks on
 * PostgreSQL 15: SET/DROP DEFAULT, REPLICA IDENTITY and RENAME CONSTRAINT take ACCESS EXCLUSIVE for
 * an instant, COMMENT takes SHARE UPDATE EXCLUSIVE (reads and writes go on).
 */
import type { ActionRenderer } from '../actions.js';
import type { MetaAction, ReplicaIdentity, SetColumnDefaultAction, SetCommentAction } from '../actions-meta.js';
import { lockOf } from './lock-modes.js';
import { driftGuardSql } from './meta-guard.js';
import { quoteIdent as ident, quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { regclass } from './regclass.js';

/** The column's default as the server prints it (pg_get_expr), NULL when it has none. */
export function liveDefaultSql(table: string, column: string): string {
  return (
    `(SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND ` +
    `a.attnum = d.adnum WHERE a.attrelid = ${regclass(table)} AND a.attname = ${literal(column)} AND NOT ` +
    `a.attisdropped)`
  );
}

function alterDefaultSql(table: string, column: string, expression: string | null): string {
  const change = expression === null ? 'DROP DEFAULT' : `SET DEFAULT ${expression}`;
  return `ALTER TABLE ${qualified(table)} ALTER COLUMN ${ident(column)} ${change}`;
}

const textOrNull = (value: string | null): string => (value === null ? 'NULL' : literal(value));

/** The table has a live user column by that name (a misspelled one has no default or comment, but is not done). */
function columnExistsSql(table: string, column: string): string {
  return (
    `EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(table)} AND attname = ${literal(column)} AND ` +
    'NOT attisdropped AND attnum > 0)'
  );
}

/**
 * Done when the live default reads as the plan wrote it, or as that text cast to the column's type
 * (how PostgreSQL prints a literal: `'x'` becomes `'x'::text`); when it drops it, when there is none.
 * Both readings are what the plan's default prints as, never another default. A default PostgreSQL
 * prints otherwise (`(1 + 1)` for `1+1`) reads as not done: the step then runs, and its guard
 * (comparing as the server prints both) tells a change already made from drift.
 */
function defaultProbe(table: string, column: string, expression: string): string {
  const asCast =
    `${literal(`${expression}::`)} || (SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = ` +
    `${regclass(table)} AND attname = ${literal(column)} AND NOT attisdropped)`;
  return `SELECT coalesce(${liveDefaultSql(table, column)} IN (${literal(expression)}, ${asCast}), false)`;
}

function setColumnDefault(a: SetColumnDefaultAction) {
  const live = liveDefaultSql(a.table, a.column);
  const statement = alterDefaultSql(a.table, a.column, a.default);
  const guard =
    a.replaces === undefined
      ? []
      : [
          driftGuardSql({
            subject: `the default of ${a.table}.${a.column}`,
            read: live,
            expected: { set: alterDefaultSql(a.table, a.column, a.replaces.value) },
            target: { set: statement },
            targetOk: a.replaces.targetOk,
            none: 'none',
          }),
        ];
  return {
    sql: [...guard, statement].join(';\n'),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe:
      a.default === null
        ? `SELECT ${columnExistsSql(a.table, a.column)} AND ${live} IS NULL`
        : defaultProbe(a.table, a.column, a.default),
  };
}

/** The comment as stored, NULL when there is none. */
export function liveCommentSql(table: string, column?: string): string {
  if (column === undefined) return `obj_description(${regclass(table)}, 'pg_class')`;
  const attnum =
    `(SELECT attnum FROM pg_attribute WHERE attrelid = ${regclass(table)} AND attname = ${literal(column)} ` +
    'AND NOT attisdropped)';
  return `col_description(${regclass(table)}, ${attnum})`;
}

export function commentSql(table: string, column: string | undefined, comment: string | null): string {
  const on = column === undefined ? `TABLE ${qualified(table)}` : `COLUMN ${qualified(table)}.${ident(column)}`;
  return `COMMENT ON ${on} IS ${textOrNull(comment)}`;
}

function setComment(a: SetCommentAction) {
  const live = liveCommentSql(a.table, a.column);
  const statement = commentSql(a.table, a.column, a.comment);
  const subject = `the comment on ${a.column === undefined ? `table ${a.table}` : `column ${a.table}.${a.column}`}`;
  const guard =
    a.replaces === undefined
      ? []
      : [
          driftGuardSql({
            subject,
            read: live,
            expected: { sql: textOrNull(a.replaces.value) },
            target: { sql: textOrNull(a.comment) },
            targetOk: a.replaces.targetOk,
            none: 'no comment',
          }),
        ];
  return {
    sql: [...guard, statement].join(';\n'),
    lock: lockOf('SHARE UPDATE EXCLUSIVE', [a.table]),
    transactional: true,
    probe: `SELECT ${a.column === undefined ? `${regclass(a.table)} IS NOT NULL` : columnExistsSql(a.table, a.column)} AND ${live} IS NOT DISTINCT FROM ${textOrNull(a.comment)}`,
  };
}

/** `default`, `full`, `nothing` or `index <name>`: the table's replica identity as text. */
export function liveReplicaIdentitySql(table: string): string {
  return (
    `(SELECT CASE c.relreplident WHEN 'd' THEN 'default' WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing' ` +
    `ELSE 'index ' || coalesce((SELECT ic.relname::text FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid ` +
    `WHERE i.indrelid = c.oid AND i.indisreplident), '?') END FROM pg_class c WHERE c.oid = ${regclass(table)})`
  );
}

export const replicaIdentityText = (r: ReplicaIdentity): string =>
  r.identity === 'index' ? `index ${r.index ?? ''}` : r.identity;

function replicaIdentityClause(r: ReplicaIdentity): string {
  return r.identity === 'index' ? `USING INDEX ${ident(r.index ?? '')}` : r.identity.toUpperCase();
}

export const metaDdl: ActionRenderer<MetaAction> = {
  'set-column-default': setColumnDefault,
  'set-comment': setComment,
  'set-replica-identity': (a) => {
    const live = liveReplicaIdentitySql(a.table);
    const statement = `ALTER TABLE ${qualified(a.table)} REPLICA IDENTITY ${replicaIdentityClause(a)}`;
    const guard =
      a.replaces === undefined
        ? []
        : [
            driftGuardSql({
              subject: `the replica identity of ${a.table}`,
              read: live,
              expected: { sql: literal(replicaIdentityText(a.replaces.value)) },
              target: { sql: literal(replicaIdentityText(a)) },
              targetOk: a.replaces.targetOk,
              none: 'none',
            }),
          ];
    return {
      sql: [...guard, statement].join(';\n'),
      // The index named by USING INDEX also gets SHARE; the table's ACCESS EXCLUSIVE is what the application sees.
      lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
      transactional: true,
      probe: `SELECT coalesce(${live} = ${literal(replicaIdentityText(a))}, false)`,
    };
  },
  'rename-constraint': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} RENAME CONSTRAINT ${ident(a.from)} TO ${ident(a.to)}`,
    // An index-backed constraint's index is renamed too, under SHARE UPDATE EXCLUSIVE.
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe:
      `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(a.table)} AND conname = ` +
      `${literal(a.to)}) AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(a.table)} AND ` +
      `conname = ${literal(a.from)})`,
  }),
};
