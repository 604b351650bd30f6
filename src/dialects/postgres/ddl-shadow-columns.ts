/** PostgreSQL for the shadow column's sync trigger, NOT NULL recipe, carried attachments and swap. */
import type { ActionRenderer } from '../actions.js';
import type { CarryAction, Grantee, NotNullAction, SwapAction, SwapCarry, SyncAction } from '../actions-shadow.js';
import { splitQualified } from '../dialect.js';
import { quoteIdent as ident, quoteLiteral, quoteQualified as qualified } from './names.js';
import { lockOf } from './lock-modes.js';
import { postgresProbes as probes } from './probes.js';
import { createSyncTriggerSql, installSyncFunctionSql, syncSpecProblem } from './sync-trigger-sql.js';

export const syncDdl: ActionRenderer<SyncAction> = {
  'install-sync-function': (a) => {
    if (a.checkOnly === true) {
      const problem = syncSpecProblem(a.sync, a.function);
      if (problem) throw problem;
      return { sql: '', lock: lockOf('ACCESS SHARE', [a.sync.table]), transactional: true };
    }
    return {
      sql: installSyncFunctionSql(a.sync, a.function),
      lock: lockOf('ACCESS SHARE', [a.sync.table]),
      transactional: true,
    };
  },
  'install-sync-trigger': (a) => ({
    sql: createSyncTriggerSql(a.table, a.trigger, a.function),
    lock: lockOf('SHARE ROW EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.triggerExists(a.table, a.trigger),
  }),
  'remove-sync-trigger': (a) => ({
    sql: `DROP TRIGGER IF EXISTS ${ident(a.trigger)} ON ${qualified(a.table)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.triggerAbsent(a.table, a.trigger),
  }),
  'remove-sync-function': (a) => ({
    sql: `DROP FUNCTION IF EXISTS ${qualified(a.function)}()`,
    lock: lockOf('none', []),
    transactional: true,
  }),
};

/** SET NOT NULL after a validated CHECK needs no scan (PostgreSQL 12+). */
export const notNullDdl: ActionRenderer<NotNullAction> = {
  'add-not-null-check': (a) => ({
    sql:
      `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.check)} CHECK (${ident(a.column)} IS NOT ` +
      `NULL) NOT VALID`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.anyOf(probes.columnNotNull(a.table, a.column), probes.constraintExists(a.table, a.check)),
  }),
  'validate-not-null-check': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} VALIDATE CONSTRAINT ${ident(a.check)}`,
    lock: lockOf('SHARE UPDATE EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.anyOf(probes.columnNotNull(a.table, a.column), probes.constraintValidated(a.table, a.check)),
  }),
  'set-not-null': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} ALTER COLUMN ${ident(a.column)} SET NOT NULL`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.columnNotNull(a.table, a.column),
  }),
  'drop-not-null-check': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} DROP CONSTRAINT IF EXISTS ${ident(a.check)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.constraintAbsent(a.table, a.check),
  }),
  'drop-not-null': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} ALTER COLUMN ${ident(a.column)} DROP NOT NULL`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.columnNullable(a.table, a.column),
  }),
};

/** `"schema"."name"` of a collation declared as schema.name (the name may hold dots: en_US.utf8). */
export function collationName(collation: string): string {
  const dot = collation.indexOf('.');
  const quote = (part: string) => `"${part.replace(/"/g, '""')}"`;
  return `${quote(collation.slice(0, dot))}.${quote(collation.slice(dot + 1))}`;
}

/** PUBLIC, the pseudo-role, only when asked for; a role name is always quoted ("PUBLIC" stays that role). */
const grantee = (g: Grantee): string => ('public' in g ? 'PUBLIC' : `"${g.role.replace(/"/g, '""')}"`);

export const carryDdl: ActionRenderer<CarryAction> = {
  // A collation-only type change is not a rewrite (nor a scan): the column is only relabelled.
  'set-column-collation': (a) => ({
    sql:
      `ALTER TABLE ${qualified(a.table)} ALTER COLUMN ${ident(a.column)} TYPE ${a.type} ` +
      `COLLATE ${collationName(a.collation)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
  }),
  'set-column-comment': (a) => ({
    sql: `COMMENT ON COLUMN ${qualified(a.table)}.${ident(a.column)} IS ${quoteLiteral(a.comment)}`,
    lock: lockOf('SHARE UPDATE EXCLUSIVE', [a.table]),
    transactional: true,
  }),
  // Each privilege names its column: `GRANT SELECT, UPDATE (c)` would grant SELECT on the whole table.
  'grant-column-privileges': (a) => ({
    sql:
      `GRANT ${a.privileges.map((p) => `${p} (${ident(a.column)})`).join(', ')} ON ${qualified(a.table)} ` +
      `TO ${grantee(a.grantee)}`,
    lock: lockOf('none', []),
    transactional: true,
  }),
};

/** Before the old column is dropped: its sequence must not go with it. */
function beforeDropSql(carry: SwapCarry): string[] {
  return carry.sequence === undefined ? [] : [`ALTER SEQUENCE ${qualified(carry.sequence)} OWNED BY NONE`];
}

const CONSTRAINT_TYPES = { primary_key: 'PRIMARY KEY', unique: 'UNIQUE' } as const;

/** After the old column is gone and the replacement has its final name: the carried pieces take theirs. */
function afterDropSql(table: string, final: string, carry: SwapCarry): string[] {
  const t = qualified(table);
  const { schema } = splitQualified(table);
  const indexName = (name: string) => (schema === undefined ? ident(name) : `${ident(schema)}.${ident(name)}`);
  const indexSql = (ix: SwapCarry['indexes'][number]) =>
    ix.constraint === undefined
      ? `ALTER INDEX ${indexName(ix.building)} RENAME TO ${ident(ix.name)}`
      : `ALTER TABLE ${t} ADD CONSTRAINT ${ident(ix.name)} ${CONSTRAINT_TYPES[ix.constraint]} USING ` +
        `INDEX ${ident(ix.building)}`;
  const sql = [
    ...carry.indexes.map(indexSql),
    ...carry.constraints.map((c) => `ALTER TABLE ${t} RENAME CONSTRAINT ${ident(c.building)} TO ${ident(c.name)}`),
  ];
  if (carry.default !== undefined)
    sql.push(`ALTER TABLE ${t} ALTER COLUMN ${ident(final)} SET DEFAULT ${carry.default}`);
  if (carry.sequence !== undefined)
    sql.push(`ALTER SEQUENCE ${qualified(carry.sequence)} OWNED BY ${t}.${ident(final)}`);
  return sql;
}

const dropTrigger = (table: string, trigger: string) =>
  `DROP TRIGGER IF EXISTS ${ident(trigger)} ON ${qualified(table)}`;

export const swapDdl: ActionRenderer<SwapAction> = {
  'drop-old-column': (a) => ({
    sql: [
      dropTrigger(a.table, a.trigger),
      ...beforeDropSql(a.carry),
      `ALTER TABLE ${qualified(a.table)} DROP COLUMN IF EXISTS ${ident(a.old)}`,
      ...afterDropSql(a.table, a.final, a.carry),
    ].join(';\n'),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table, ...a.carry.alsoLocks]),
    transactional: true,
    probe: probes.columnAbsent(a.table, a.old),
  }),
  'swap-in-column': (a) => {
    const t = qualified(a.table);
    const sql = [
      dropTrigger(a.table, a.trigger),
      ...beforeDropSql(a.carry),
      `ALTER TABLE ${t} DROP COLUMN ${ident(a.old)}`,
      `ALTER TABLE ${t} RENAME COLUMN ${ident(a.replacement)} TO ${ident(a.old)}`,
      ...afterDropSql(a.table, a.old, a.carry),
    ].join(';\n');
    const [replacementGone, oldHasType] = [
      probes.columnAbsent(a.table, a.replacement),
      probes.columnHasType(a.table, a.old, a.type),
    ];
    const done = `SELECT (${replacementGone}) AND (${oldHasType})`;
    return { sql, lock: lockOf('ACCESS EXCLUSIVE', [a.table, ...a.carry.alsoLocks]), transactional: true, probe: done };
  },
  // Apart, writers that no longer set the column would hit its NOT NULL between the two.
  'drop-synced-column': (a) => ({
    sql: [
      dropTrigger(a.table, a.trigger),
      `DROP FUNCTION IF EXISTS ${qualified(a.function)}()`,
      `ALTER TABLE ${qualified(a.table)} DROP COLUMN IF EXISTS ${ident(a.column)}${a.cascade ? ' CASCADE' : ''}`,
    ].join(';\n'),
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.columnAbsent(a.table, a.column),
  }),
  'drop-added-column': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} DROP COLUMN IF EXISTS ${ident(a.column)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.table]),
    transactional: true,
    probe: probes.columnAbsent(a.table, a.column),
  }),
};
