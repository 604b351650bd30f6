import type { DdlRenderer } from '../actions.js';
import { constraintDdl } from './ddl-constraints.js';
import { createTableDdl } from './ddl-create-table.js';
import { metaDdl } from './ddl-meta.js';
import { DEFAULT_MSSQL_DDL_OPTIONS, type MssqlDdlOptions } from './ddl-options.js';
import { renameTableDdl } from './ddl-rename-table.js';
import { shadowColumnDdl } from './ddl-shadow.js';
import { mssqlTableDdl } from './ddl-table.js';
import { viewDdl } from './ddl-views.js';

/** Every neutral action in T-SQL (or refused with the SQL Server reason); a forgotten kind does not compile. */
export function mssqlDdl(options: MssqlDdlOptions = DEFAULT_MSSQL_DDL_OPTIONS): DdlRenderer {
  return {
    ...mssqlTableDdl(options),
    ...shadowColumnDdl,
    ...viewDdl,
    ...createTableDdl,
    ...renameTableDdl,
    ...metaDdl,
    ...constraintDdl,
  };
}
