/**
 * SQL Server's Introspector, without the statement simulator of `validate --database` and the
 * rehearsal of `schemashift test` (assembled with them in mssql-dialect.ts).
 */
import type { Introspector } from '../introspect.js';
import { readColumnAttachments } from './introspect-column.js';
import { addKeyHelp, columnDefinitionProblem, keyColumns, tableId, uniqueKeys } from './introspect-keys.js';
import { readLiveSchema } from './introspect-schema.js';
import { MSSQL_BUILT_IN_SCHEMAS, resolveTypes, serverInfo } from './introspect-server.js';

export const mssqlIntrospectParts: Omit<Introspector, 'simulate' | 'rehearsal'> = {
  builtInSchemas: MSSQL_BUILT_IN_SCHEMAS,
  serverInfo,
  liveSchema: readLiveSchema,
  resolveTypes,
  columnAttachments: readColumnAttachments,
  columnDefinitionProblem,
  tableId,
  uniqueKeys,
  addKeyHelp,
  keyColumns,
};
