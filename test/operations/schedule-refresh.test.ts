/**
 * schedule_refresh without a server: the schedules pg_cron 1.4 accepts (checked against it by hand:
 * `30 seconds` and `$` came later), the bounded job name, what the plan shows, and SQL Server's
 * refusal. The job itself is tested on a pg_cron cluster in schedule-refresh-cron.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mssql } from '../../src/dialects/mssql/mssql-dialect.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { findOperation } from '../../src/operations/index.js';
import { refreshJobName } from '../../src/dialects/actions-schedule.js';
import {
  cronScheduleProblem,
  scheduleRefresh,
  type ScheduleRefreshSpec,
} from '../../src/operations/schedule-refresh.js';
import type { SqlStep } from '../../src/operations/types.js';
import { parseSpec } from '../support/operations.js';

const spec = (extra: Record<string, unknown> = {}) =>
  parseSpec('schedule_refresh', { name: 'sales.order_totals', schedule: '0 * * * *', ...extra }) as ScheduleRefreshSpec;
const ctx = { dialect: postgres, id: 's', phase: 'expand' as const, plan: 'hourly' };

describe('schedule_refresh schedules', () => {
  it.each([
    '0 * * * *',
    '*/5 * * * *',
    '0-30/10 1,2 * * 1-5',
    '0 0 1 jan *',
    '0 0 * * mon',
    '0 0 * * 7',
    '@hourly',
    '@daily',
  ])('accepts %j', (schedule) => expect(cronScheduleProblem(schedule)).toBeUndefined());

  it.each([
    ['30 seconds', /has 2/],
    ['* * * *', /5 fields, `\* \* \* \*` has 4/],
    ['* * * * * *', /has 6/],
    ['60 * * * *', /minute 60 is outside 0-59/],
    ['0 0 $ * *', /`\$` is not a day of month/],
    ['*/0 * * * *', /step in `\*\/0` is 0/],
    ['@sometimes', /is not one of @yearly/],
    ["0 * * * *'; DROP TABLE x; --", /has \d+/],
  ])('refuses %j', (schedule, problem) => {
    expect(cronScheduleProblem(schedule)).toMatch(problem);
    const result = findOperation('schedule_refresh')!.schema.safeParse({ name: 'v', schedule });
    expect(result.error!.issues[0]!.message).toMatch(/: not a cron schedule$/);
  });

  it('refuses if_exists: adopt: a same-named job is never taken over', () => {
    expect(scheduleRefresh.adoptRefusal?.(spec())).toMatchObject({
      reason: expect.stringContaining('never taken over'),
    });
  });

  it('refuses max_staleness 0 and unknown keys', () => {
    const op = findOperation('schedule_refresh')!;
    expect(op.schema.safeParse({ name: 'v', schedule: '@hourly', lock_timeout: 0 }).error!.issues[0]!.message).toMatch(
      /lock_timeout must be more than 0/,
    );
    expect(op.schema.safeParse({ name: 'v', schedule: '@hourly', statement_timeout: 'soon' }).success).toBe(false);
    expect(op.schema.safeParse({ name: 'v', schedule: '@hourly', max_staleness: 0 }).success).toBe(false);
    expect(op.schema.safeParse({ name: 'v', schedule: '@hourly', every: '1h' }).success).toBe(false);
  });
});

describe('schedule_refresh job names', () => {
  it('names the plan and the view, and bounds a long one to 63 bytes with a hash of the whole', () => {
    expect(refreshJobName('hourly', 'sales.order_totals')).toBe('schemashift:hourly:sales.order_totals');
    const long = refreshJobName('a-plan-with-a-rather-long-name', 'reporting.daily_usage_per_customer');
    expect(Buffer.byteLength(long)).toBe(63);
    expect(long).toMatch(/^schemashift:a-plan-with-a-rather-long-name:reporting~[0-9a-f]{10}$/);
    expect(refreshJobName('a-plan-with-a-rather-long-name', 'reporting.daily_usage_per_custome2')).not.toBe(long);
  });
});

describe('schedule_refresh steps', () => {
  it('takes no lock, says so, quotes the schedule as a literal, and undoes only its own job', () => {
    const [step] = scheduleRefresh.forward(spec({ concurrently: true, max_staleness: '2h' }), ctx) as SqlStep[];
    expect(step).toMatchObject({ id: 's', lock: { level: 'none', on: [] }, transactional: true });
    expect(step!.summary).toBe(
      "schedule refresh of materialized view sales.order_totals in the database's cron (job schemashift:hourly:" +
        'sales.order_totals, "0 * * * *", concurrently, lock_timeout 5s, max_staleness 2h); the view is locked only ' +
        'when the job runs',
    );
    expect(step!.sql).toContain("job_schedule text := '0 * * * *';");
    expect(step!.sql).toContain("to_regclass('sales.order_totals')");
    expect(step!.sql).toContain('REFRESH MATERIALIZED VIEW CONCURRENTLY %2$I.%3$I;');
    expect(step!.sql).toContain("job_command := 'SET LOCAL lock_timeout = ''5000ms''; ' || 'DO $' || job_tag");
    expect(step!.sql).toContain("make_interval(secs => 7200), 'plan:hourly')");
    const undo = scheduleRefresh.inverse(spec(), ctx);
    expect(undo).toMatchObject({ steps: [{ id: 's/undo', undoes: 's', lock: { level: 'none' } }] });
    expect(step!.sql).not.toContain('DELETE');
  });

  it('puts the timeouts in the job: lock_timeout always (5s unless given), statement_timeout when given', () => {
    const sqlOf = (extra: Record<string, unknown>) => (scheduleRefresh.forward(spec(extra), ctx) as SqlStep[])[0]!;
    expect(sqlOf({}).sql).not.toContain('statement_timeout');
    const timed = sqlOf({ lock_timeout: '750ms', statement_timeout: '45m' });
    expect(timed.sql).toContain(
      "job_command := 'SET LOCAL lock_timeout = ''750ms''; SET LOCAL statement_timeout = ''2700000ms''; ' || 'DO $'",
    );
    expect(timed.summary).toContain('lock_timeout 750ms, statement_timeout 45m');
  });

  it('parses as one statement, and refuses to compile without the plan name', () => {
    const [step] = scheduleRefresh.forward(spec(), ctx) as SqlStep[];
    expect(postgres.parser.syntaxProblem(step!.sql)).toBeUndefined();
    expect(() => scheduleRefresh.forward(spec(), { dialect: postgres, id: 's', phase: 'expand' })).toThrow(
      /without its plan name/,
    );
  });

  it('is refused by SQL Server with the reason and what to do instead', () => {
    expect(() => scheduleRefresh.forward(spec(), { ...ctx, dialect: mssql })).toThrow(
      /mssql cannot schedule-refresh: SQL Server has no cron inside the database/,
    );
    expect(() => scheduleRefresh.inverse(spec(), { ...ctx, dialect: mssql })).toThrow(/cannot unschedule-refresh/);
  });
});
