import type { Introspector } from '../introspect.js';
import { readColumnAttachments } from './introspect-column.js';
import { addKeyHelp, columnDefinitionProblem, keyColumns, tableOid, uniqueKeys } from './introspect-keys.js';
import { readLiveSchema, readServerInfo, resolveTypes } from './introspect-schema.js';
import { postgresRehearsal } from './rehearse.js';
import { postgresSimulator } from './simulate/simulator.js';
import { readViewDependents } from './view-dependents-introspect.js';

export const postgresIntrospect: Introspector = {
  builtInSchemas: { implicit: 'pg_catalog', system: ['pg_catalog', 'information_schema'] },
  serverInfo: readServerInfo,
  liveSchema: readLiveSchema,
  resolveTypes,
  columnAttachments: readColumnAttachments,
  columnDefinitionProblem,
  tableId: tableOid,
  uniqueKeys,
  addKeyHelp,
  keyColumns,
  viewDependents: readViewDependents,
  simulate: postgresSimulator,
  rehearsal: postgresRehearsal,
};
