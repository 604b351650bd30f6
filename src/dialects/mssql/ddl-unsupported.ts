/**
 * Actions not rendered for SQL Server in this slice, each with the SQL Server reason and the way to
 * get there instead (plan validation reports them; nothing runs).
 */
import type { ActionRenderer, Unsupported } from '../actions.js';
import type { CreateTableActions } from '../actions-create-table.js';
import type { MetaAction } from '../actions-meta.js';
import type { RenameTableAction } from '../actions-rename-table.js';
import type { ViewAction } from '../actions-shadow.js';

const refuse = (unsupported: string, instead: string) => (): Unsupported => ({ unsupported, instead });

const views = refuse(
  'SQL Server has no materialized views; an indexed view (WITH SCHEMABINDING, unique clustered index) is maintained on every write',
  'create an indexed view in raw sql, or keep a summary table filled by the application',
);

const comment = refuse(
  'SQL Server keeps comments as the MS_Description extended property, not rendered here yet',
  'set it in raw sql with sys.sp_addextendedproperty / sys.sp_updateextendedproperty',
);

export const shadowDdl: ActionRenderer<ViewAction> = {
  'create-materialized-view': views,
  'drop-materialized-view': views,
  'refresh-materialized-view': views,
  'create-view-index': views,
  'swap-materialized-view': views,
  'swap-back-materialized-view': views,
};

export const createTableDdl: ActionRenderer<CreateTableActions> = {
  'create-table': refuse(
    'create_table is not rendered for SQL Server yet (types, identity and defaults differ from PostgreSQL)',
    'create the table in raw sql',
  ),
  'drop-table': refuse(
    'drop_table is not rendered for SQL Server yet',
    'drop the table in raw sql after checking sys.sql_expression_dependencies',
  ),
};

export const renameTableDdl: ActionRenderer<RenameTableAction> = {
  'rename-table-behind-view': refuse(
    'SQL Server views over a renamed table are not rendered yet (sp_rename takes Sch-M and does not update modules)',
    'rename in raw sql with EXEC sp_rename and CREATE VIEW under the old name in one transaction',
  ),
  'drop-old-name-view': refuse('rename_table is not rendered for SQL Server yet', 'DROP VIEW the old name in raw sql'),
  'rename-table-back': refuse('rename_table is not rendered for SQL Server yet', 'EXEC sp_rename back in raw sql'),
};

export const metaDdl: ActionRenderer<MetaAction> = {
  'set-column-default': refuse(
    'SQL Server defaults are named constraints (drop the old one, add the new one), not rendered yet',
    'in raw sql: ALTER TABLE t DROP CONSTRAINT <old default>; ALTER TABLE t ADD CONSTRAINT <name> DEFAULT (…) FOR c',
  ),
  'set-comment': comment,
  'set-replica-identity': refuse(
    'SQL Server has no replica identity: replication and CDC identify rows by the primary key or a unique index',
    'remove the step; give the table a primary key for replication',
  ),
  'rename-constraint': refuse(
    'renaming a constraint in SQL Server is EXEC sp_rename (Sch-M), not rendered yet',
    "in raw sql: EXEC sp_rename N'schema.old_name', N'new_name', N'OBJECT'",
  ),
};
