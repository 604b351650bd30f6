/**
 * `validate --database` for schedule_refresh: pg_cron's functions exist only in the database that
 * cron.database_name names (with CREATE EXTENSION pg_cron run there). A plan that schedules a
 * refresh in any other database would fail at run: reported first, with where pg_cron is.
 */
import type { Queryable } from '../../db/connection.js';
import { quoteLiteral } from './names.js';
import type { CompiledPlan } from '../../plan/compile.js';
import type { Finding } from '../../lint/types.js';
import { DATABASE_RULES } from '../../lint/database/rules.js';
import type { PlanEntry } from '../../plan/types.js';
import type { ScheduleRefreshSpec } from '../../operations/schedule-refresh.js';
import { refreshJobName } from '../actions-schedule.js';
import { refreshJobSignature } from './cron-refresh.js';

const CRON_PRESENCE =
  "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') AS here, " +
  "current_setting('cron.database_name', true) AS home, current_database() AS current";

function whereCronIs(home: string | null, current: string): { message: string; help: string } {
  const where =
    home === null
      ? 'pg_cron is not loaded on this server (shared_preload_libraries)'
      : home === current
        ? `cron.database_name is ${current}, but CREATE EXTENSION pg_cron has not been run in it`
        : `pg_cron runs jobs only from database ${home} (cron.database_name)`;
  return {
    message: `schedule_refresh needs the pg_cron extension in database ${current}, where the view is: ${where}`,
    help:
      home === current
        ? 'run CREATE EXTENSION pg_cron in this database, then run the plan'
        : `set cron.database_name = '${current}' (with shared_preload_libraries = 'pg_cron'; restart) and CREATE ` +
          'EXTENSION pg_cron here; or refresh from outside the database with `schemashift refresh` (`schemashift new ' +
          'refresh-cronjob` writes a Kubernetes CronJob for it)',
  };
}

/** The job's signature says it records as this job (see refreshJobSignature); RLS shows only the user's jobs. */
const SAME_NAMED_JOB =
  'SELECT schedule, strpos(command, $2) > 0 AS ours FROM cron.job WHERE jobname = $1 AND username = current_user';

/** A job by the plan's job name that is not this plan's: `run` refuses to overwrite it. */
async function takenJobName(db: Queryable, compiled: CompiledPlan, entry: PlanEntry): Promise<Finding[]> {
  const spec = entry.spec as ScheduleRefreshSpec;
  const job = refreshJobName(compiled.plan.name, spec.name);
  const signature = refreshJobSignature(job);
  const { rows } = await db.query<{ schedule: string; ours: boolean }>(SAME_NAMED_JOB, [job, signature]);
  const found = rows[0];
  if (!found || (found.ours && found.schedule === spec.schedule)) return [];
  return [
    {
      rule: 'db-already-exists',
      severity: DATABASE_RULES['db-already-exists'].severity,
      message:
        `a pg_cron job named ${job} already exists with another schedule or command (schedule ${found.schedule}): ` +
        '`run` refuses to overwrite it',
      help: `if it is yours to replace, remove it first (SELECT cron.unschedule(${quoteLiteral(job)})); else leave it`,
      at: compiled.plan.locate([...entry.path, 'name']),
      stepId: entry.id,
    },
  ];
}

export async function scheduledJobFindings(db: Queryable, compiled: CompiledPlan): Promise<Finding[]> {
  const entries = compiled.plan.entries.filter((e) => e.kind === 'schedule_refresh');
  if (entries.length === 0) return [];
  const { rows } = await db.query<{ here: boolean; home: string | null; current: string }>(CRON_PRESENCE);
  const row = rows[0];
  if (!row) return [];
  if (row.here) return (await Promise.all(entries.map((e) => takenJobName(db, compiled, e)))).flat();
  const { message, help } = whereCronIs(row.home === '' ? null : row.home, row.current);
  return entries.map((entry) => ({
    rule: 'db-no-cron',
    severity: DATABASE_RULES['db-no-cron'].severity,
    message,
    help,
    at: compiled.plan.locate([...entry.path, 'name']),
    stepId: entry.id,
  }));
}
