import type { DdlRenderer } from '../actions.js';
import { createTableDdl } from './ddl-create-table.js';
import { renameTableDdl } from './ddl-rename-table.js';
import { metaDdl } from './ddl-meta.js';
import { constraintDdl } from './ddl-constraints.js';
import { shadowDdl } from './ddl-shadow.js';
import { tableDdl } from './ddl-table.js';
import { foreignDdl } from './foreign-ddl.js';
import { cronDdl } from './cron-refresh.js';

/** Every neutral action in PostgreSQL's SQL; the type makes a forgotten kind a compile error. */
export const postgresDdl: DdlRenderer = {
  ...tableDdl,
  ...shadowDdl,
  ...createTableDdl,
  ...renameTableDdl,
  ...metaDdl,
  ...constraintDdl,
  ...foreignDdl,
  ...cronDdl,
};
