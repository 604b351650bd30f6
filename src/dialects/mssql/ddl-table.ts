/** Table actions in T-SQL: WITH NOCHECK constraints, ONLINE/RESUMABLE indexes, catalog probes. */
import type { ActionRenderer, Rendered } from '../actions.js';
import type { TableAction } from '../actions-table.js';
import { addColumn, dropColumn } from './ddl-columns.js';
import { buildIndex, dropIndex } from './ddl-index.js';
import { isMssqlLockMode, MSSQL_LOCK_IMPACT, mssqlLock } from './ddl-locks.js';
import type { MssqlDdlOptions } from './ddl-options.js';
import { addUniqueOnline } from './ddl-unique-online.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import {
  addCheckUnchecked,
  addForeignKeyUnchecked,
  addUniqueUsingIndex,
  dropConstraint,
  validateConstraint,
} from './ddl-table-constraints.js';

export function mssqlTableDdl(options: MssqlDdlOptions): ActionRenderer<TableAction> {
  return {
    'add-column': addColumn,
    'drop-column': dropColumn,
    'add-check-unchecked': addCheckUnchecked,
    'add-foreign-key-unchecked': addForeignKeyUnchecked,
    'validate-constraint': validateConstraint,
    'drop-constraint': dropConstraint,
    'build-index': (a) => buildIndex(a, options),
    'drop-index': dropIndex,
    'add-unique-using-index': addUniqueUsingIndex,
    'add-unique-online': addUniqueOnline,
    'raw-statements': (a) => {
      if (!isMssqlLockMode(a.lockLevel)) {
        return {
          unsupported: `${a.lockLevel} is not a SQL Server lock mode`,
          instead: `declare the strongest lock the statements take: ${Object.keys(MSSQL_LOCK_IMPACT).join(', ')}`,
        };
      }
      const rendered: Rendered = { sql: a.sql, lock: mssqlLock(a.lockLevel, a.on), transactional: a.transactional };
      if (a.buildsIndex === undefined) return rendered;
      const { table, name } = a.buildsIndex;
      return { ...rendered, probe: probes.indexExists(table, name) };
    },
  };
}
