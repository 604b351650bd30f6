/**
 * schedule_refresh in PostgreSQL: a pg_cron job that refreshes a materialized view and records the
 * refresh in schemashift.view_refreshes. pg_cron's functions exist only in the database that
 * cron.database_name names, so the step refuses any other database. The job's command is built by
 * format() from the view's schema and name as the catalog spells them (%I, %L) and the plan's
 * timeouts (numbers): no plan text in it.
 * A job by the same name with another schedule or command is someone else's: refused, never
 * overwritten (cron.schedule would replace it). The same job already in place is this plan's
 * earlier attempt: nothing to do, so the step is safe to repeat without a probe.
 */
import type { ActionRenderer } from '../actions.js';
import type { RefreshJob, ScheduleAction } from '../actions-schedule.js';
import { splitQualified } from '../dialect.js';
import { lockOf } from './lock-modes.js';
import { VIEW_REFRESH_LOCK_CLASS, viewRefreshLockKey } from './view-refresh.js';
import { quoteLiteral as literal, quoteQualified } from './names.js';
import { dollarQuote } from './sql/statements.js';

const RECORD_COLUMNS = 'view_schema, view_name, started_at, finished_at, duration_ms, mode, outcome, source, actor';

/**
 * The job's DO block body as a format() template: %1$L the view's `schema.name` (its lock key and
 * what the notice names), %2$I.%3$I the view, %2$L %3$L its schema and name, %4$L the job. It tries
 * the advisory lock `schemashift refresh` takes for the view (the same class and key expression): a
 * refresh already running (the CLI's, or another plan's job) makes this run skip with a notice and record
 * nothing. The lock is the transaction's: pg_cron runs the command as one, released at its end.
 */
export function refreshJobBodyTemplate(concurrently: boolean): string {
  const mode = concurrently ? 'concurrently' : 'blocking';
  return (
    ` BEGIN IF pg_try_advisory_xact_lock(${VIEW_REFRESH_LOCK_CLASS}, ${viewRefreshLockKey('%1$L')}) THEN ` +
    `REFRESH MATERIALIZED VIEW ${concurrently ? 'CONCURRENTLY ' : ''}%2$I.%3$I; ` +
    `INSERT INTO schemashift.view_refreshes (${RECORD_COLUMNS}) VALUES (%2$L, %3$L, now(), clock_timestamp(), ` +
    `(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, '${mode}', 'ok', 'pg_cron', %4$L); ` +
    `ELSE RAISE NOTICE 'schemashift: %% not refreshed: another refresh of it is running', %1$L; END IF; END `
  );
}

/**
 * What runs before the DO block, in the same transaction (pg_cron sends the command as one query
 * string): a refresh waits at most lock_timeout for its lock on the view (else the run fails, seen in
 * cron.job_run_details), so readers queue behind a refresh stuck behind a long reader no longer; and runs
 * at most statement_timeout when one is given. Both are numbers the plan's schema checked.
 */
export function refreshJobSettings(a: Pick<RefreshJob, 'lockTimeoutMs' | 'statementTimeoutMs'>): string {
  const ms = (value: number) => {
    if (!Number.isInteger(value) || value < 0) throw new Error(`internal: ${value} is not a whole number of ms`);
    return `'${value}ms'`;
  };
  const statement =
    a.statementTimeoutMs === undefined ? '' : `SET LOCAL statement_timeout = ${ms(a.statementTimeoutMs)}; `;
  return `SET LOCAL lock_timeout = ${ms(a.lockTimeoutMs)}; ${statement}`;
}

/** Where the job's command records as this job: how validate and an undo recognise it as this plan's. */
export function refreshJobSignature(job: string): string {
  return `, 'pg_cron', ${literal(job)})`;
}

/** The refusal when the target database has no pg_cron: where it is, and the two ways to get it. */
const NO_CRON_HERE = [
  "  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN",
  "    RAISE EXCEPTION 'schedule_refresh needs the pg_cron extension in database %, where the view is; it is not '",
  "      'installed there (cron.database_name: %). pg_cron runs jobs only from the database cron.database_name '",
  "      'names: CREATE EXTENSION pg_cron there if it is this one, or set cron.database_name = ''%'' (with '",
  "      'shared_preload_libraries = ''pg_cron''; restart) and CREATE EXTENSION pg_cron here; or refresh from '",
  "      'outside with schemashift refresh (new refresh-cronjob writes a Kubernetes CronJob for it)',",
  '      current_database(),',
  "      coalesce(current_setting('cron.database_name', true), 'not set: pg_cron is not in shared_preload_libraries'),",
  '      current_database();',
  '  END IF;',
];

function declarations(a: RefreshJob): string[] {
  return [
    'DECLARE',
    `  view_oid regclass := to_regclass(${literal(quoteQualified(a.view))});`,
    '  target_schema name;',
    '  target_view name;',
    `  job_name text := ${literal(a.job)};`,
    `  job_schedule text := ${literal(a.schedule)};`,
    '  job_body text;',
    "  job_tag text := 'refresh';",
    '  job_command text;',
    '  found_schedule text;',
    '  found_command text;',
  ];
}

const FIND_VIEW = [
  '  SELECT n.nspname, c.relname INTO target_schema, target_view',
  '    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
  "    WHERE c.oid = view_oid AND c.relkind = 'm';",
];

function installJob(a: RefreshJob): string[] {
  return [
    ...FIND_VIEW,
    '  IF target_view IS NULL THEN',
    `    RAISE EXCEPTION 'schedule_refresh: % is not a materialized view in database %', ${literal(a.view)},`,
    '      current_database();',
    '  END IF;',
    `  job_body := format(${literal(refreshJobBodyTemplate(a.concurrently))},`,
    "    target_schema || '.' || target_view, target_schema, target_view, job_name);",
    // The catalog's names may hold `$`: the body's quote is a tag they do not contain.
    "  WHILE strpos(job_body, '$' || job_tag || '$') > 0 LOOP job_tag := job_tag || '_'; END LOOP;",
    `  job_command := ${literal(refreshJobSettings(a))} || 'DO $' || job_tag || '$' || job_body || '$' || job_tag || '$';`,
    '  SELECT j.schedule, j.command INTO found_schedule, found_command',
    '    FROM cron.job j WHERE j.jobname = job_name AND j.username = current_user;',
    '  IF found_command IS NULL THEN',
    '    PERFORM cron.schedule(job_name, job_schedule, job_command);',
    '  ELSIF found_schedule IS DISTINCT FROM job_schedule OR found_command IS DISTINCT FROM job_command THEN',
    "    RAISE EXCEPTION 'a pg_cron job named % already exists with another schedule or command: schedule_refresh '",
    "      'does not overwrite it (its schedule: %). If that job is yours to replace, remove it first '",
    "      '(SELECT cron.unschedule(%)) and run again; else leave it and schedule this view from a plan of '",
    "      'another name', job_name, found_schedule, quote_literal(job_name);",
    '  END IF;',
  ];
}

/** Declared only where nobody else declared the view's max_staleness (another plan, `refresh --max-staleness`). */
function declarePolicy(a: RefreshJob, maxStalenessMs: number): string[] {
  return [
    '  INSERT INTO schemashift.view_policies AS p (view_schema, view_name, max_staleness, declared_by)',
    `    VALUES (target_schema, target_view, make_interval(secs => ${maxStalenessMs / 1000}), ${literal(a.declaredBy)})`,
    '    ON CONFLICT (view_schema, view_name) DO UPDATE SET max_staleness = EXCLUDED.max_staleness, updated_at = now()',
    '    WHERE p.declared_by = EXCLUDED.declared_by;',
  ];
}

function scheduleSql(a: Extract<ScheduleAction, { kind: 'schedule-refresh' }>): string {
  const body = [
    ...declarations(a),
    'BEGIN',
    ...NO_CRON_HERE,
    ...installJob(a),
    ...(a.maxStalenessMs === undefined ? [] : declarePolicy(a, a.maxStalenessMs)),
    'END',
  ];
  return `DO ${dollarQuote(`\n${body.join('\n')}\n`)}`;
}

/** Only a job with this name, schedule, owner and this plan's recording signature goes; the view may be gone already. */
function unscheduleSql(a: RefreshJob): string {
  const schema = splitQualified(a.view).schema;
  const body = [
    ...declarations(a),
    `  job_signature text := ${literal(refreshJobSignature(a.job))};`,
    'BEGIN',
    "  IF to_regclass('cron.job') IS NOT NULL THEN",
    '    PERFORM cron.unschedule(j.jobid) FROM cron.job j',
    '      WHERE j.jobname = job_name AND j.username = current_user AND j.schedule = job_schedule',
    '        AND strpos(j.command, job_signature) > 0;',
    '  END IF;',
    ...FIND_VIEW,
    `  target_schema := coalesce(${schema === undefined ? 'target_schema' : literal(schema)}, current_schema());`,
    '  DELETE FROM schemashift.view_policies p',
    `    WHERE p.view_schema = target_schema AND p.view_name = ${literal(splitQualified(a.view).name)}`,
    `      AND p.declared_by = ${literal(a.declaredBy)};`,
    'END',
  ];
  return `DO ${dollarQuote(`\n${body.join('\n')}\n`)}`;
}

export const cronDdl: ActionRenderer<ScheduleAction> = {
  // A job is a row in cron.job: the view is not locked until the job runs (then as the refresh locks it).
  'schedule-refresh': (a) => ({ sql: scheduleSql(a), lock: lockOf('none', []), transactional: true }),
  'unschedule-refresh': (a) => ({ sql: unscheduleSql(a), lock: lockOf('none', []), transactional: true }),
};
