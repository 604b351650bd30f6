/**
 * A materialized view over another database (create_materialized_view `source:`) is PostgreSQL's
 * foreign servers and user mappings; SQL Server's counterpart, linked servers, is not supported yet:
 * every action of it is refused when the plan is compiled, before anything runs.
 */
import type { ActionRenderer, Unsupported } from '../actions.js';
import type { ForeignAction } from '../actions-foreign.js';

const refused = (): Unsupported => ({
  unsupported: 'a view over another database (`source:`) needs a linked server, which schemashift does not support yet',
  instead:
    'remove `source:` and create the linked server and an indexed view by hand (sp_addlinkedserver, ' +
    'sp_addlinkedsrvlogin), or copy the rows into a local table with a scheduled job',
});

export const foreignDdl: ActionRenderer<ForeignAction> = {
  'create-extension': refused,
  'drop-extension': refused,
  'create-foreign-server': refused,
  'drop-foreign-server': refused,
  'create-user-mapping': refused,
  'drop-user-mapping': refused,
  'create-foreign-schema': refused,
  'drop-foreign-schema': refused,
  'import-foreign-tables': refused,
  'drop-foreign-tables': refused,
  'create-foreign-materialized-view': refused,
};
