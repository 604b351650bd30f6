/**
 * schedule_refresh in SQL Server: refused. There is no cron in the database, and the nearest thing, a SQL Server
 * Agent job, lives in msdb (not in the database the plan changes), is absent from Azure SQL Database
 * and Express, and an indexed view has nothing to refresh anyway.
 */
import type { ActionRenderer } from '../actions.js';
import type { ScheduleAction } from '../actions-schedule.js';

const REASON =
  'SQL Server has no cron inside the database, and an indexed view (what materialized views are there) is kept current by every ' +
  'write to its tables: there is nothing to refresh on a schedule';

export const scheduleDdl: ActionRenderer<ScheduleAction> = {
  'schedule-refresh': () => ({
    unsupported: REASON,
    instead:
      'remove the schedule_refresh step; for other periodic work use a SQL Server Agent job (msdb) or an ' +
      'external scheduler, which schemashift does not install',
  }),
  'unschedule-refresh': () => ({
    unsupported: REASON,
    instead: 'remove the schedule_refresh step: there is no job to remove',
  }),
};
