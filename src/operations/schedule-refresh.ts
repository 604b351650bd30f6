import ms from 'ms';
import { z } from 'zod';
import { refreshJobName, type RefreshJob } from '../dialects/actions-schedule.js';
import { duration, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation, type OperationContext } from './types.js';

/** Each field of a five-field cron expression: its range, and the names it also takes (pg_cron's). */
const CRON_FIELDS = [
  { field: 'minute', min: 0, max: 59, names: [] },
  { field: 'hour', min: 0, max: 23, names: [] },
  { field: 'day of month', min: 1, max: 31, names: [] },
  {
    field: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { field: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

/** pg_cron 1.4's shorthands (seconds schedules such as `30 seconds` came in 1.5). */
const CRON_SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@reboot'];

const CRON_ITEM = /^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:\/([0-9]+))?$/;

function cronValueProblem(value: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  const named = (spec.names as readonly string[]).indexOf(value);
  const number = named >= 0 ? named + spec.min : /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(number)) return `\`${value}\` is not a ${spec.field}`;
  if (number < spec.min || number > spec.max) return `${spec.field} ${value} is outside ${spec.min}-${spec.max}`;
  return undefined;
}

function cronItemProblem(item: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  const match = CRON_ITEM.exec(item.toLowerCase());
  if (!match) return `\`${item}\` is not a ${spec.field} (a number, a range a-b, * or a list of them, with /step)`;
  if (match[2] !== undefined && Number(match[2]) === 0) return `the step in \`${item}\` is 0`;
  if (match[1] === '*') return undefined;
  return match[1]!.split('-').reduce<string | undefined>((p, v) => p ?? cronValueProblem(v, spec), undefined);
}

/** Why pg_cron 1.4 would refuse this schedule, or undefined. */
export function cronScheduleProblem(schedule: string): string | undefined {
  if (schedule.startsWith('@')) {
    return CRON_SHORTHANDS.includes(schedule)
      ? undefined
      : `\`${schedule}\` is not one of ${CRON_SHORTHANDS.join(', ')}`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) return `a cron schedule has 5 fields, \`${schedule}\` has ${fields.length}`;
  for (const [i, text] of fields.entries()) {
    const spec = CRON_FIELDS[i]!;
    for (const item of text.split(',')) {
      const problem = cronItemProblem(item, spec);
      if (problem) return problem;
    }
  }
  return undefined;
}

export const cronSchedule = z
  .string()
  .superRefine((value, ctx) => {
    const problem = cronScheduleProblem(value);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `${problem}: not a cron schedule`,
        params: { hint: 'write five fields, minute hour day-of-month month day-of-week, e.g. "0 * * * *", or @hourly' },
      });
  })
  .describe(
    'When the database runs the refresh, in cron syntax: minute hour day-of-month month day-of-week ("0 * * * *"), or @hourly.',
  );

/** Fixed rather than the plan's settings.lock_timeout: that one is for DDL retried by the runner, a job is not. */
export const DEFAULT_JOB_LOCK_TIMEOUT_MS = 5000;

export const scheduleRefreshSchema = z
  .object({
    name: qualifiedName.describe('The materialized view, optionally schema-qualified.'),
    schedule: cronSchedule,
    concurrently: z
      .boolean()
      .default(false)
      .describe('Refresh concurrently, so reads go on (needs a unique index on the view, without WHERE).'),
    lock_timeout: duration
      .refine((ms) => ms > 0, 'lock_timeout must be more than 0: a refresh must never wait for its lock forever')
      .refine(Number.isInteger, 'lock_timeout is a whole number of milliseconds')
      .default(DEFAULT_JOB_LOCK_TIMEOUT_MS)
      .describe(
        "How long each run's refresh waits for its lock on the view (readers queue behind a waiting blocking " +
          'refresh) before the run fails; default 5s.',
      ),
    statement_timeout: duration
      .refine(Number.isInteger, 'statement_timeout is a whole number of milliseconds')
      .optional()
      .describe("How long each run's refresh may take before the server cancels it; 0 = none; default the server's."),
    max_staleness: duration
      .refine((ms) => ms > 0, 'max_staleness must be more than 0')
      .optional()
      .describe("Declared in the state schema: doctor warns when the view's last refresh is older."),
  })
  .strict();

export type ScheduleRefreshSpec = z.output<typeof scheduleRefreshSchema>;

function jobOf(spec: ScheduleRefreshSpec, ctx: OperationContext): RefreshJob {
  if (ctx.plan === undefined) throw new Error('internal: schedule_refresh is compiled without its plan name');
  return {
    view: spec.name,
    job: refreshJobName(ctx.plan, spec.name),
    schedule: spec.schedule,
    concurrently: spec.concurrently,
    lockTimeoutMs: spec.lock_timeout,
    ...(spec.statement_timeout === undefined ? {} : { statementTimeoutMs: spec.statement_timeout }),
    declaredBy: `plan:${ctx.plan}`,
  };
}

function summaryOf(spec: ScheduleRefreshSpec, job: RefreshJob): string {
  const how = [
    spec.concurrently ? 'concurrently' : '',
    `lock_timeout ${ms(spec.lock_timeout)}`,
    spec.statement_timeout ? `statement_timeout ${ms(spec.statement_timeout)}` : '',
    spec.max_staleness ? `max_staleness ${ms(spec.max_staleness)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `schedule refresh of materialized view ${spec.name} in the database's cron (job ${job.job}, "${spec.schedule}"${
    how ? `, ${how}` : ''
  }); the view is locked only when the job runs`;
}

export const scheduleRefresh = defineOperation<ScheduleRefreshSpec>({
  kind: 'schedule_refresh',
  description:
    "Install a job in the database's own cron (PostgreSQL's cron extension, in the database that has it) that " +
    "refreshes a materialized view on a schedule and records each refresh in schemashift's state; rollback removes " +
    "this plan's job only.",
  schema: scheduleRefreshSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  adoptRefusal: () => ({
    reason:
      "a job by this plan's job name is either this plan's (found, nothing to do) or not (refused, never taken over)",
    hint: 'remove `if_exists: adopt`; if a job by that name is yours to replace, unschedule it first',
  }),
  forward: (spec, ctx) => {
    const job = jobOf(spec, ctx);
    const maxStalenessMs = spec.max_staleness;
    return [
      actionStep(ctx, {
        id: ctx.id,
        summary: summaryOf(spec, job),
        action: { kind: 'schedule-refresh', ...job, ...(maxStalenessMs === undefined ? {} : { maxStalenessMs }) },
        // A property of the view, never adopted: the step itself refuses a same-named job that is not this plan's.
        effect: { does: 'change', object: { kind: 'table property', table: spec.name, name: 'refresh schedule' } },
      }),
    ];
  },
  inverse: (spec, ctx) => {
    const job = jobOf(spec, ctx);
    return {
      steps: [
        actionStep(ctx, {
          id: `${ctx.id}/undo`,
          summary: `remove cron job ${job.job} (refresh of ${spec.name}), if it is still this plan's`,
          action: { kind: 'unschedule-refresh', ...job },
          undoes: ctx.id,
        }),
      ],
    };
  },
});
