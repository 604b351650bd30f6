/**
 * The sync actions in T-SQL. SQL Server has no trigger functions: `install-sync-function` creates the
 * whole trigger, disabled, under the function's name (which the operations give the trigger too),
 * `install-sync-trigger` enables it, and removing either drops that one trigger.
 */
import type { ActionRenderer } from '../actions.js';
import type { SyncAction } from '../actions-shadow.js';
import { splitQualified } from '../dialect.js';
import { literal, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlSyncProblem } from './sync-trigger-check.js';
import { installSyncTriggerSql } from './sync-trigger-sql.js';

/** `name` in the schema of `table`: DML triggers live in their table's schema. */
export function inSchemaOf(table: string, name: string): string {
  const { schema } = splitQualified(table);
  return schema === undefined ? name : `${schema}.${name}`;
}

const triggerId = (trigger: string): string => `OBJECT_ID(${literal(qualified(trigger))}, N'TR')`;

const bit = (condition: string): string => `SELECT CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS bit)`;

export const syncProbes = {
  exists: (trigger: string) => bit(`${triggerId(trigger)} IS NOT NULL`),
  enabled: (trigger: string) =>
    bit(`EXISTS (SELECT 1 FROM sys.triggers WHERE object_id = ${triggerId(trigger)} AND is_disabled = 0)`),
  absent: (trigger: string) => bit(`${triggerId(trigger)} IS NULL`),
};

export const dropTriggerSql = (trigger: string): string => `DROP TRIGGER IF EXISTS ${qualified(trigger)}`;

export const syncDdl: ActionRenderer<SyncAction> = {
  'install-sync-function': (a) => {
    const problem = mssqlSyncProblem(a.sync);
    if (a.checkOnly === true) {
      if (problem) throw problem;
      return { sql: '', lock: mssqlLock('none', []), transactional: true };
    }
    if (problem) return { unsupported: problem.message, instead: 'correct the sync expression the message names' };
    return {
      sql: installSyncTriggerSql(a.sync, a.function),
      lock: mssqlLock('Sch-M', [a.sync.table]),
      transactional: true,
      probe: syncProbes.exists(a.function),
    };
  },
  'install-sync-trigger': (a) => {
    const trigger = inSchemaOf(a.table, a.trigger);
    if (trigger !== a.function) {
      return {
        unsupported: `SQL Server's sync trigger is created by install-sync-function as ${a.function}, not as ${trigger}`,
        instead: 'give the sync trigger the name of its function (the operations in src/operations/sync-trigger.ts do)',
      };
    }
    return {
      sql: `ENABLE TRIGGER ${qualified(trigger)} ON ${qualified(a.table)}`,
      lock: mssqlLock('Sch-M', [a.table]),
      transactional: true,
      probe: syncProbes.enabled(trigger),
    };
  },
  'remove-sync-trigger': (a) => ({
    sql: dropTriggerSql(inSchemaOf(a.table, a.trigger)),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: syncProbes.absent(inSchemaOf(a.table, a.trigger)),
  }),
  // The same trigger when remove-sync-trigger ran first; else the disabled one install-sync-function left.
  'remove-sync-function': (a) => ({
    sql: dropTriggerSql(a.function),
    lock: mssqlLock('Sch-M', []),
    transactional: true,
    probe: syncProbes.absent(a.function),
  }),
};
