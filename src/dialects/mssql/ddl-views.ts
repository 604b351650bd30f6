/**
 * Materialized views as SQL Server indexed views: CREATE VIEW … WITH SCHEMABINDING, materialized by
 * its first index, which must be UNIQUE CLUSTERED. SQL Server keeps an indexed view up to date in
 * every write to its tables (no refresh, and every writer pays for it). CREATE VIEW must be alone in
 * its batch: it runs through sys.sp_executesql, the plan's query inside an N'' literal.
 * The SET options the rules require are set first (tedious, the driver, already uses them).
 */
import type { ActionRenderer, Rendered, Unsupported } from '../actions.js';
import type { ViewAction, ViewSwap } from '../actions-shadow.js';
import { splitQualified } from '../dialect.js';
import { ident, identList, literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import { atomically, bit, renameObjectSql, throwSql } from './ddl-meta-sql.js';
import { dependentsGuardSql } from './ddl-create-table-dependents.js';
import { indexedViewQuery } from './ddl-views-query.js';

/** Required for CREATE VIEW and CREATE INDEX on an indexed view ("Required SET options for indexed views"). */
export const INDEXED_VIEW_SET_OPTIONS =
  'SET ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL, QUOTED_IDENTIFIER ON;\n' +
  'SET NUMERIC_ROUNDABORT OFF;\n';

const isSchemaBoundView = (name: string): string =>
  `OBJECTPROPERTY(${objectId(name)}, 'IsView') = 1 AND OBJECTPROPERTY(${objectId(name)}, 'IsSchemaBound') = 1`;

const hasClusteredIndex = (view: string): string =>
  `EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = ${objectId(view)} AND type = 1)`;

function createView(a: Extract<ViewAction, { kind: 'create-materialized-view' }>): Rendered | Unsupported {
  if (!a.withData) {
    return {
      unsupported: 'an indexed view is always populated: SQL Server has no WITH NO DATA',
      instead: 'drop with_data: false (the unique clustered index fills the view when it is built)',
    };
  }
  const query = indexedViewQuery(a.query);
  if ('unsupported' in query) return query;
  // The query on lines of its own: a trailing `-- comment` in it cannot swallow what follows.
  const create = `CREATE VIEW ${qualified(a.name)} WITH SCHEMABINDING AS\n${query.text}\n`;
  const exists = literal(`${a.name} already exists and this step did not create it: it is not replaced`);
  return {
    sql:
      INDEXED_VIEW_SET_OPTIONS +
      atomically([
        `IF ${objectId(a.name)} IS NOT NULL ${throwSql(exists)}`,
        `DECLARE @sql nvarchar(max) = ${literal(create)}`,
        'EXEC sys.sp_executesql @sql',
      ]),
    // Binding the view to its tables takes Sch-S on them: only DDL on them waits.
    lock: mssqlLock('Sch-S', query.tables),
    transactional: true,
    probe: bit(isSchemaBoundView(a.name)),
  };
}

/**
 * The first index materializes the view: it must be UNIQUE CLUSTERED, it cannot be built online,
 * and its build reads the view's tables, holding their writers until it is done.
 */
function createViewIndex(a: Extract<ViewAction, { kind: 'create-view-index' }>): Rendered {
  const on = `${ident(a.name)} ON ${qualified(a.view)} (${identList(a.columns)})`;
  const first = literal(
    `the first index on view ${a.view} must be UNIQUE CLUSTERED (it materializes the view): ` +
      `build the unique index before ${a.name}`,
  );
  const create = a.unique
    ? `IF ${hasClusteredIndex(a.view)} CREATE UNIQUE NONCLUSTERED INDEX ${on}\nELSE CREATE UNIQUE CLUSTERED INDEX ${on}`
    : `IF NOT ${hasClusteredIndex(a.view)} ${throwSql(first)};\nCREATE NONCLUSTERED INDEX ${on}`;
  return {
    sql:
      '-- the first (unique clustered) index of a view is built offline: writers of its tables wait for the build\n' +
      INDEXED_VIEW_SET_OPTIONS +
      create,
    lock: mssqlLock('S', [a.view]),
    transactional: true,
    probe: probes.indexExists(a.view, a.name),
  };
}

/** An index keeps its name per view (not per schema): renamed through the view's current name. */
function renameIndex(view: string, from: string, to: string, ifExists: boolean): string {
  const rename = renameObjectSql(literal(`${qualified(view)}.${ident(from)}`), to, 'INDEX');
  return ifExists ? `IF INDEXPROPERTY(${objectId(view)}, ${literal(from)}, 'IndexID') IS NOT NULL ${rename}` : rename;
}

const renameView = (from: string, to: string): string =>
  renameObjectSql(literal(qualified(from)), splitQualified(to).name, 'OBJECT');

/**
 * sp_rename leaves the old name in the view's text (sys.sql_modules.definition): the data and the
 * indexes are right, but a script generated from that text would name the building view.
 */
const SWAP_NOTE =
  '-- sp_rename keeps the old name in sys.sql_modules.definition: script views from the catalog, not that text\n';

/**
 * Views that are not schema-bound, functions and procedures resolve the name when they run: they read
 * whichever view holds it, so they follow the swap. A schema-bound one (another indexed view, say)
 * pins the object, and sp_rename refuses to move it: the swap refuses first, naming them.
 */
function schemaBoundGuardSql(view: string): string {
  const message = literal(
    `cannot swap ${view}: schema-bound objects reference it and would keep the old view (sp_rename refuses to ` +
      'move it under them); drop them (or recreate them WITHOUT SCHEMABINDING), swap, then create them again: ',
  );
  return [
    'DECLARE @bound nvarchar(max), @bound_refusal nvarchar(2048)',
    `SELECT @bound = STRING_AGG(CAST(LOWER(REPLACE(o.type_desc, N'_', N' ')) + N' ' + ` +
      `QUOTENAME(OBJECT_SCHEMA_NAME(o.object_id)) + N'.' + QUOTENAME(o.name) AS nvarchar(max)), N', ')\n` +
      '  FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id\n' +
      `  WHERE d.referenced_id = ${objectId(view)} AND d.is_schema_bound_reference = 1 AND o.object_id <> ${objectId(view)}`,
    `SET @bound_refusal = LEFT(${message} + @bound, 2048)`,
    `IF @bound IS NOT NULL ${throwSql('@bound_refusal')}`,
  ].join(';\n');
}

function swapSql(s: ViewSwap): string {
  return (
    SWAP_NOTE +
    atomically([
      schemaBoundGuardSql(s.view),
      ...s.indexes.map((i) => renameIndex(s.view, i.final, i.retired, true)),
      renameView(s.view, s.retired),
      renameView(s.building, s.view),
      ...s.indexes.map((i) => renameIndex(s.view, i.building, i.final, false)),
    ])
  );
}

function swapBackSql(s: ViewSwap): string {
  const renames = [
    ...s.indexes.map((i) => renameIndex(s.view, i.final, i.building, true)),
    renameView(s.view, s.building),
    renameView(s.retired, s.view),
    ...s.indexes.map((i) => renameIndex(s.view, i.retired, i.final, true)),
  ];
  return (
    SWAP_NOTE +
    atomically([
      `IF ${objectId(s.retired)} IS NOT NULL BEGIN\n${schemaBoundGuardSql(s.view)};\n${renames.join(';\n')};\nEND`,
    ])
  );
}

export const viewDdl: ActionRenderer<ViewAction> = {
  'create-materialized-view': createView,
  'drop-materialized-view': (a) => ({
    sql: atomically([
      dependentsGuardSql(a.name, 'view'),
      `IF OBJECTPROPERTY(${objectId(a.name)}, 'IsView') = 1 DROP VIEW ${qualified(a.name)}`,
    ]),
    lock: mssqlLock('Sch-M', [a.name]),
    transactional: true,
    probe: bit(`${objectId(a.name)} IS NULL`),
  }),
  'refresh-materialized-view': () => ({
    unsupported:
      'an indexed view has nothing to refresh: SQL Server updates it in the same statement as every write to its tables',
    instead: 'remove the refresh step; the view is always current',
  }),
  'create-view-index': createViewIndex,
  'swap-materialized-view': (a) => ({
    sql: swapSql(a),
    lock: mssqlLock('Sch-M', [a.view, a.building]),
    transactional: true,
    probe: bit(`${objectId(a.retired)} IS NOT NULL AND ${objectId(a.building)} IS NULL`),
  }),
  'swap-back-materialized-view': (a) => ({
    sql: swapBackSql(a),
    lock: mssqlLock('Sch-M', [a.view, a.retired]),
    transactional: true,
    probe: bit(`${objectId(a.retired)} IS NULL`),
  }),
};
