import { isUnsupported, type Action, type DdlRenderer, type Rendered, type Unsupported } from '../actions.js';
import { constraintDdl } from './ddl-constraints.js';
import { createTableDdl } from './ddl-create-table.js';
import { metaDdl } from './ddl-meta.js';
import { DEFAULT_MSSQL_DDL_OPTIONS, type MssqlDdlOptions } from './ddl-options.js';
import { renameTableDdl } from './ddl-rename-table.js';
import { shadowColumnDdl } from './ddl-shadow.js';
import { mssqlTableDdl } from './ddl-table.js';
import { viewDdl } from './ddl-views.js';
import { foreignDdl } from './ddl-foreign.js';
import { scheduleDdl } from './ddl-schedule.js';
import { batchSeparatorLine } from './tsql-read.js';

/**
 * A line holding only GO ends a batch for sqlcmd, SSMS and the driver, inside a string or comment
 * too: plan text (a comment, a message) that would put one into a statement is refused.
 */
function withoutBatchSeparators(render: (action: Action) => Rendered | Unsupported) {
  return (action: Action): Rendered | Unsupported => {
    const rendered = render(action);
    if (isUnsupported(rendered) || batchSeparatorLine(rendered.sql) === undefined) return rendered;
    return {
      unsupported: `text in the plan puts a line holding only GO into the SQL of ${action.kind}, where SQL Server tools end a batch`,
      instead: 'remove that line from the text (a comment or a message), or write GO with other text on its line',
    };
  };
}

/** Every neutral action in T-SQL (or refused with the SQL Server reason); a forgotten kind does not compile. */
export function mssqlDdl(options: MssqlDdlOptions = DEFAULT_MSSQL_DDL_OPTIONS): DdlRenderer {
  const renderers: DdlRenderer = {
    ...mssqlTableDdl(options),
    ...shadowColumnDdl,
    ...viewDdl,
    ...createTableDdl,
    ...renameTableDdl,
    ...metaDdl,
    ...constraintDdl,
    ...foreignDdl,
    ...scheduleDdl,
  };
  // A raw `sql` step is the plan's own script, in which GO lines are batch separators.
  const guarded = Object.entries(renderers).map(([kind, render]) => [
    kind,
    kind === 'raw-statements' ? render : withoutBatchSeparators(render as (action: Action) => Rendered | Unsupported),
  ]);
  return Object.fromEntries(guarded) as DdlRenderer;
}
