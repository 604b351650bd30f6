/** PostgreSQL for materialized views: create, refresh, and replace by building beside and swapping names. */
import type { ActionRenderer } from '../actions.js';
import type { ViewAction, ViewSwap } from '../actions-shadow.js';
import { splitQualified } from '../dialect.js';
import { singleQuery, tablesRead } from './sql/statements.js';
import { quoteIdent as ident, quoteLiteral, quoteQualified as qualified } from './names.js';
import { lockOf } from './lock-modes.js';
import { inSchemaOf } from './sync-trigger-sql.js';
import { postgresProbes as probes } from './probes.js';
import {
  dropMaterializedViewSql,
  guardedRenameCarryingDependentsSql,
  renameCarryingDependentsSql,
} from './view-dependents.js';

/**
 * The query goes on lines of its own: a trailing `-- comment` in it then cannot swallow
 * `WITH NO DATA`, and its own trailing `;` is left out.
 */
function createSql(name: string, query: string, withData: boolean): string {
  return (
    `CREATE MATERIALIZED VIEW ${qualified(name)} AS\n` + `${singleQuery(query).text}\nWITH ${withData ? '' : 'NO '}DATA`
  );
}

/** Indexes live in their table's schema: the view's. */
function renameIndex(s: ViewSwap, from: string, to: string, ifExists: boolean): string {
  return `ALTER INDEX ${ifExists ? 'IF EXISTS ' : ''}${qualified(inSchemaOf(s.view, from))} RENAME TO ${ident(to)}`;
}

function renameView(from: string, to: string): string {
  return `ALTER MATERIALIZED VIEW ${qualified(from)} RENAME TO ${ident(splitQualified(to).name)}`;
}

/**
 * Park the old view (and any index holding a final name) as retired, give the new one the names, and
 * carry every dependent of the old view over to the new one, in DO blocks around the renames (view-dependents.ts).
 */
function swapSql(s: ViewSwap): string {
  return renameCarryingDependentsSql(s.view, s.building, [
    ...s.indexes.map((i) => renameIndex(s, i.final, i.retired, true)),
    renameView(s.view, s.retired),
    renameView(s.building, s.view),
    ...s.indexes.map((i) => renameIndex(s, i.building, i.final, false)),
  ]);
}

/** Only while the old view is parked: its dependents then go back to it with the names. */
function swapBackSql(s: ViewSwap): string {
  const renames = [
    ...s.indexes.map((i) => renameIndex(s, i.final, i.building, true)),
    renameView(s.view, s.building),
    renameView(s.retired, s.view),
    ...s.indexes.map((i) => renameIndex(s, i.retired, i.final, true)),
  ];
  return guardedRenameCarryingDependentsSql(
    s.view,
    renames,
    `to_regclass(${quoteLiteral(qualified(s.retired))}) IS NOT NULL`,
  );
}

export const viewDdl: ActionRenderer<ViewAction> = {
  // Building the view reads its source tables: ACCESS SHARE, which blocks only DDL on them.
  'create-materialized-view': (a) => ({
    sql: createSql(a.name, a.query, a.withData),
    lock: lockOf('ACCESS SHARE', tablesRead(singleQuery(a.query).node)),
    transactional: true,
    probe: probes.relationExists(a.name),
  }),
  'drop-materialized-view': (a) => ({
    sql: dropMaterializedViewSql(a.name, a.replacedBy),
    lock: lockOf('ACCESS EXCLUSIVE', [a.name]),
    transactional: true,
    probe: probes.relationAbsent(a.name),
  }),
  'refresh-materialized-view': (a) => ({
    sql: `REFRESH MATERIALIZED VIEW ${a.concurrently ? 'CONCURRENTLY ' : ''}${qualified(a.name)}`,
    lock: lockOf(a.concurrently ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', [a.name]),
    transactional: true,
  }),
  'create-view-index': (a) => ({
    sql:
      `CREATE ${a.unique ? 'UNIQUE ' : ''}INDEX ${ident(a.name)} ON ${qualified(a.view)} ` +
      `(${a.columns.map(ident).join(', ')})`,
    lock: lockOf('SHARE', [a.view]),
    transactional: true,
    probe: probes.validIndexExists(a.name, a.view),
  }),
  'swap-materialized-view': (a) => ({
    sql: swapSql(a),
    lock: lockOf('ACCESS EXCLUSIVE', [a.view, a.building]),
    transactional: true,
    probe: probes.relationsSwapped(a.building, a.retired),
  }),
  'swap-back-materialized-view': (a) => ({
    sql: swapBackSql(a),
    lock: lockOf('ACCESS EXCLUSIVE', [a.view, a.retired]),
    transactional: true,
    probe: probes.relationAbsent(a.retired),
  }),
};
