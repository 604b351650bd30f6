import type { DdlRenderer } from '../actions.js';
import { constraintDdl } from './ddl-constraints.js';
import { shadowColumnDdl } from './ddl-shadow.js';
import { DEFAULT_MSSQL_DDL_OPTIONS, type MssqlDdlOptions } from './ddl-options.js';
import { mssqlTableDdl } from './ddl-table.js';
import { createTableDdl, metaDdl, renameTableDdl, shadowDdl } from './ddl-unsupported.js';

/** Every neutral action in T-SQL (or refused with the SQL Server reason); a forgotten kind does not compile. */
export function mssqlDdl(options: MssqlDdlOptions = DEFAULT_MSSQL_DDL_OPTIONS): DdlRenderer {
  return {
    ...mssqlTableDdl(options),
    ...shadowDdl,
    ...shadowColumnDdl,
    ...createTableDdl,
    ...renameTableDdl,
    ...metaDdl,
    ...constraintDdl,
  };
}
