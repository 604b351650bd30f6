/** SQL Server has no materialized view to refresh: an indexed view is kept up to date by the engine on every write. */
import type { ViewRefreshRefusal } from '../view-refresh.js';

export const mssqlViewRefresh: ViewRefreshRefusal = {
  refusal: {
    message:
      'SQL Server has no REFRESH: an indexed view (WITH SCHEMABINDING and a unique clustered index) is maintained ' +
      'by the engine on every write, so there is nothing to refresh; nothing was run',
    hint: 'drop the scheduled `schemashift refresh` for this database; to rebuild an indexed view, ALTER INDEX … REBUILD',
  },
};
