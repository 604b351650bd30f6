/**
 * Actions not rendered for SQL Server in this slice, each with the SQL Server reason and the way to
 * get there instead (plan validation reports them; nothing runs).
 */
import type { ActionRenderer, Unsupported } from '../actions.js';
import type { ShadowAction, ViewAction } from '../actions-shadow.js';

const refuse = (unsupported: string, instead: string) => (): Unsupported => ({ unsupported, instead });

/**
 * PostgreSQL splits a sync into a function and a row trigger with NEW/OLD; SQL Server has statement
 * triggers over the inserted/deleted sets whose recursion must be stopped by hand, and no
 * BEFORE trigger that could fill the new column in the same write.
 */
const sync = refuse(
  'SQL Server sync triggers (AFTER INSERT, UPDATE over inserted/deleted, guarded by TRIGGER_NESTLEVEL) are not built yet',
  'expand with a nullable column, backfill it, and have the application write both columns until contract',
);

/** ALTER COLUMN must restate the type; it reads every row even when a trusted CHECK (c IS NOT NULL) exists. */
const notNull = refuse(
  'SQL Server makes a column NOT NULL only by ALTER TABLE … ALTER COLUMN <type> NOT NULL, which reads every row; ' +
    'a trusted CHECK (c IS NOT NULL) does not let it skip the scan, and without ONLINE = ON it holds Sch-M for the scan',
  'in raw sql: ALTER TABLE t ALTER COLUMN c <its type> NOT NULL WITH (ONLINE = ON) ' +
    '(Enterprise/Developer/Azure SQL: IS during the scan, Sch-M only at the end; twice the column space)',
);

const swap = refuse(
  'the SQL Server column swap (sp_rename of columns with their constraints and indexes) is not built yet',
  'rename or retype with expand (new column), backfill, and contract (drop_column) in separate plans',
);

const comment = refuse(
  'SQL Server keeps comments as the MS_Description extended property, not rendered here yet',
  'set it in raw sql with sys.sp_addextendedproperty / sys.sp_updateextendedproperty',
);

export const shadowDdl: ActionRenderer<Exclude<ShadowAction, ViewAction>> = {
  'install-sync-function': sync,
  'install-sync-trigger': sync,
  'remove-sync-trigger': sync,
  'remove-sync-function': sync,
  'add-not-null-check': notNull,
  'validate-not-null-check': notNull,
  'set-not-null': notNull,
  'drop-not-null-check': notNull,
  'drop-not-null': notNull,
  'set-column-collation': refuse(
    'changing a column collation in SQL Server is ALTER COLUMN with the full type, which rewrites the column',
    'in raw sql: ALTER TABLE t ALTER COLUMN c <type> COLLATE <collation> WITH (ONLINE = ON)',
  ),
  'set-column-comment': comment,
  'grant-column-privileges': refuse(
    'column grants are not rendered for SQL Server yet',
    'in raw sql: GRANT SELECT (c) ON t TO [principal]',
  ),
  'drop-old-column': swap,
  'swap-in-column': swap,
  'drop-added-column': swap,
  'drop-synced-column': swap,
};
