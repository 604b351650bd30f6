/**
 * schedule_refresh end to end through the CLI, on a PostgreSQL cluster of the test's own with pg_cron
 * loaded: the job is installed with the plan's schedule and a command of quoted names only; running
 * that command (as pg_cron would, at the next full minute) refreshes the view and records it; a
 * rerun installs nothing twice; rollback removes this plan's job only; a job by the same name that
 * is not this plan's is never overwritten; a database without the extension is refused with where
 * pg_cron lives and what to do.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { postgresViewRefresh } from '../../src/dialects/postgres/view-refresh.js';
import type { SqlStep } from '../../src/operations/types.js';
import { cli, folderWith } from '../cli/cli-support.js';
import {
  CRON_DATABASE,
  OTHER_DATABASE,
  cronClusterUnavailable,
  startCronCluster,
  type CronCluster,
} from '../support/cron-cluster.js';

const unavailable = cronClusterUnavailable();
if (unavailable) console.log(`\n!!! SKIPPING the pg_cron test of schedule_refresh: ${unavailable}. !!!\n`);

const planText = (name: string, extra = '') => `name: ${name}
settings: { lock_timeout: 2s }
phases:
  expand:
    - schedule_refresh: { name: sales.order_totals, schedule: "0 * * * *", concurrently: true${extra} }
`;

const blockingPlan = `name: blocking-totals
phases:
  expand:
    - schedule_refresh: { name: sales.order_totals, schedule: "*/5 * * * *", lock_timeout: 300ms, statement_timeout: 1m }
`;

const SETUP = `CREATE SCHEMA sales;
CREATE TABLE sales.orders (id int PRIMARY KEY, customer int NOT NULL, amount int NOT NULL);
INSERT INTO sales.orders SELECT g, g % 3, 10 FROM generate_series(1, 9) g;
CREATE MATERIALIZED VIEW sales.order_totals AS
  SELECT customer, sum(amount) AS total, count(*) AS orders FROM sales.orders GROUP BY customer;
CREATE UNIQUE INDEX order_totals_customer ON sales.order_totals (customer);`;

interface Job {
  jobid: string;
  jobname: string;
  schedule: string;
  command: string;
}

describe.skipIf(unavailable !== null)('schedule_refresh with pg_cron', () => {
  let cluster: CronCluster;
  let db: pg.Client;
  const query = async <R>(text: string, params?: unknown[]) => (await db.query(text, params)).rows as R[];
  const jobs = () => query<Job>('SELECT jobid, jobname, schedule, command FROM cron.job ORDER BY jobid');
  const dir = folderWith({
    'hourly.yaml': planText('hourly-totals', ', max_staleness: 2h'),
    'taken.yaml': planText('taken-name'),
    'blocking.yaml': blockingPlan,
  });
  const cmd = (database: string, ...args: string[]) =>
    cli([...args, '--database', cluster.url(database)], { cwd: dir });

  beforeAll(async () => {
    cluster = await startCronCluster();
    db = new pg.Client({ connectionString: cluster.url(CRON_DATABASE) });
    await db.connect();
    await db.query(SETUP);
  });
  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  });

  it('validate --database is clean where pg_cron is', async () => {
    const validated = await cmd(CRON_DATABASE, 'validate', 'hourly.yaml', '--format', 'json');
    expect(JSON.parse(validated.stdout)).toMatchObject({
      plans: [{ findings: [] }],
      summary: { errors: 0, warnings: 0 },
    });
    expect(validated.code).toBe(0);
  });

  it('installs the job, whose own command refreshes the view and records the refresh; a rerun adds nothing', async () => {
    const first = await cmd(CRON_DATABASE, 'run', 'hourly.yaml');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const [job, ...others] = await jobs();
    expect(others).toEqual([]);
    expect(job).toMatchObject({ jobname: 'schemashift:hourly-totals:sales.order_totals', schedule: '0 * * * *' });
    expect(job!.command).toBe(
      "SET LOCAL lock_timeout = '5000ms'; DO $refresh$ BEGIN IF pg_try_advisory_xact_lock(1548630531, " +
        "hashtext('sales.order_totals') & 2147483647) THEN REFRESH MATERIALIZED VIEW CONCURRENTLY sales.order_totals; " +
        'INSERT INTO schemashift.view_refreshes ' +
        '(view_schema, view_name, started_at, finished_at, duration_ms, mode, outcome, source, actor) VALUES ' +
        "('sales', 'order_totals', now(), clock_timestamp(), (extract(epoch FROM clock_timestamp() - now()) * 1000)" +
        "::bigint, 'concurrently', 'ok', 'pg_cron', 'schemashift:hourly-totals:sales.order_totals'); ELSE RAISE " +
        "NOTICE 'schemashift: % not refreshed: another refresh of it is running', 'sales.order_totals'; END IF; " +
        'END $refresh$',
    );
    expect(await query('SELECT max_staleness::text AS max, declared_by FROM schemashift.view_policies')).toEqual([
      { max: '02:00:00', declared_by: 'plan:hourly-totals' },
    ]);

    await db.query('INSERT INTO sales.orders VALUES (10, 7, 5)');
    await db.query(job!.command); // what pg_cron sends at the next full minute
    expect(await query('SELECT total::int FROM sales.order_totals WHERE customer = 7')).toEqual([{ total: 5 }]);
    const [refresh] = await query<Record<string, unknown>>(
      'SELECT view_schema, view_name, mode, outcome, source, actor, duration_ms >= 0 AS timed, ' +
        'finished_at >= started_at AS ordered FROM schemashift.view_refreshes',
    );
    expect(refresh).toEqual({
      view_schema: 'sales',
      view_name: 'order_totals',
      mode: 'concurrently',
      outcome: 'ok',
      source: 'pg_cron',
      actor: 'schemashift:hourly-totals:sales.order_totals',
      timed: true,
      ordered: true,
    });

    // A step that ran but whose record was lost (a crash) runs again: it finds its job and changes nothing.
    const plan = compilePlan(await parsePlan('hourly.yaml', planText('hourly-totals', ', max_staleness: 2h')));
    await db.query((plan.entries[0]!.steps[0] as SqlStep).sql);
    expect(await jobs()).toEqual([job]);
    const again = await cmd(CRON_DATABASE, 'validate', 'hourly.yaml', '--format', 'json');
    expect(JSON.parse(again.stdout)).toMatchObject({ plans: [{ findings: [] }] }); // its own job is no conflict
  });

  it("the job skips the refresh, recording nothing, while `schemashift refresh` holds the view's lock", async () => {
    const [job] = await jobs();
    const cli = new pg.Client({ connectionString: cluster.url(CRON_DATABASE) });
    await cli.connect();
    const notices: string[] = [];
    db.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      // The lock exactly as `schemashift refresh` takes it: its key read by its own describe query.
      const described = postgresViewRefresh.describe('sales.order_totals');
      const key = (await cli.query<{ lock_key: number }>(described.sql, described.params)).rows[0]!.lock_key;
      const tryLock = postgresViewRefresh.tryLock(key);
      expect((await cli.query<{ ok: boolean }>(tryLock.sql, tryLock.params)).rows[0]!.ok).toBe(true);
      const before = await query('SELECT count(*)::int AS n FROM schemashift.view_refreshes');
      await db.query('INSERT INTO sales.orders VALUES (11, 8, 5)');
      await db.query(job!.command);
      expect(await query('SELECT total FROM sales.order_totals WHERE customer = 8')).toEqual([]);
      expect(await query('SELECT count(*)::int AS n FROM schemashift.view_refreshes')).toEqual(before);
      expect(notices).toEqual(['schemashift: sales.order_totals not refreshed: another refresh of it is running']);

      // And the other way round: while the job's transaction holds it, the CLI's try is refused.
      await cli.query('SELECT pg_advisory_unlock_all()');
      await db.query('BEGIN');
      await db.query(job!.command); // the job, its transaction left open
      expect((await cli.query<{ ok: boolean }>(tryLock.sql, tryLock.params)).rows[0]!.ok).toBe(false);
      await db.query('COMMIT');
      expect(await query('SELECT total::int FROM sales.order_totals WHERE customer = 8')).toEqual([{ total: 5 }]);
    } finally {
      db.removeAllListeners('notice');
      await db.query('ROLLBACK').catch(() => undefined);
      await cli.end();
    }
  });

  it('a blocking refresh behind a reader gives up after the lock_timeout, fails the run and records nothing', async () => {
    const installed = await cmd(CRON_DATABASE, 'run', 'blocking.yaml');
    expect(installed.stderr).toBe('');
    const job = (await jobs()).find((j) => j.jobname === 'schemashift:blocking-totals:sales.order_totals')!;
    expect(job.command).toMatch(
      /^SET LOCAL lock_timeout = '300ms'; SET LOCAL statement_timeout = '60000ms'; DO \$refresh\$ BEGIN IF .* THEN REFRESH MATERIALIZED VIEW sales\.order_totals; /,
    );
    const reader = new pg.Client({ connectionString: cluster.url(CRON_DATABASE) });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM sales.order_totals'); // ACCESS SHARE until the reader ends
      const before = await query('SELECT count(*)::int AS n FROM schemashift.view_refreshes');
      const started = performance.now();
      const error = await db.query(job.command).then(
        () => undefined,
        (e: { code?: string; message: string }) => e,
      );
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: '55P03', message: expect.stringContaining('lock timeout') });
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(2000);
      expect(await query('SELECT count(*)::int AS n FROM schemashift.view_refreshes')).toEqual(before);
      // Nothing of the job's settings outlives its transaction.
      expect(await query("SELECT current_setting('lock_timeout') AS lt")).toEqual([{ lt: '0' }]);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    expect((await cmd(CRON_DATABASE, 'rollback', 'blocking.yaml', '--yes')).code).toBe(0);
    expect((await jobs()).map((j) => j.jobname)).toEqual(['schemashift:hourly-totals:sales.order_totals']);
  });

  it('quotes the job body with a tag that a view name holding `$refresh$` cannot end', async () => {
    await db.query('CREATE MATERIALIZED VIEW sales."t$refresh$x" AS SELECT 1 AS one');
    try {
      const dir2 = folderWith({
        'dollar.yaml': `name: dollar-name
phases:
  expand:
    - schedule_refresh: { name: sales.t$refresh$x, schedule: "@daily" }
`,
      });
      const run = await cli(['run', 'dollar.yaml', '--database', cluster.url(CRON_DATABASE)], { cwd: dir2 });
      expect(run.stderr).toBe('');
      const job = (await jobs()).find((j) => j.jobname === 'schemashift:dollar-name:sales.t$refresh$x')!;
      expect(job.command).toContain('DO $refresh_$ BEGIN');
      expect(job.command).toMatch(/END \$refresh_\$$/);
      await db.query(job.command);
      expect(await query('SELECT view_name FROM schemashift.view_refreshes ORDER BY id DESC LIMIT 1')).toEqual([
        { view_name: 't$refresh$x' },
      ]);
      expect(
        (await cli(['rollback', 'dollar.yaml', '--yes', '--database', cluster.url(CRON_DATABASE)], { cwd: dir2 })).code,
      ).toBe(0);
    } finally {
      await db.query('DROP MATERIALIZED VIEW sales."t$refresh$x"');
    }
  });

  it("rollback removes this plan's job and the max_staleness it declared", async () => {
    const back = await cmd(CRON_DATABASE, 'rollback', 'hourly.yaml', '--yes');
    expect(back.code).toBe(0);
    expect(await jobs()).toEqual([]);
    expect(await query('SELECT * FROM schemashift.view_policies')).toEqual([]);
  });

  it('never overwrites a job by the same name that is not this plan’s, and its undo leaves it too', async () => {
    const name = 'schemashift:taken-name:sales.order_totals';
    await db.query("SELECT cron.schedule($1, '*/5 * * * *', 'SELECT 42')", [name]);
    const before = await jobs();
    const validated = await cmd(CRON_DATABASE, 'validate', 'taken.yaml', '--format', 'json');
    expect(validated.code).not.toBe(0);
    expect(JSON.parse(validated.stdout)).toMatchObject({
      plans: [
        {
          findings: [
            {
              rule: 'db-already-exists',
              message: `a pg_cron job named ${name} already exists with another schedule or command (schedule */5 * * * *): \`run\` refuses to overwrite it`,
            },
          ],
        },
      ],
    });
    const refused = await cmd(CRON_DATABASE, 'run', 'taken.yaml');
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain(
      `a pg_cron job named ${name} already exists with another schedule or command: schedule_refresh does not ` +
        'overwrite it (its schedule: */5 * * * *). If that job is yours to replace, remove it first ' +
        `(SELECT cron.unschedule('${name}')) and run again`,
    );
    expect(await jobs()).toEqual(before);

    const plan = compilePlan(await parsePlan('taken.yaml', planText('taken-name')));
    const undo = plan.entries[0]!.inverse;
    await db.query(('steps' in undo ? (undo.steps[0] as SqlStep) : undefined)!.sql);
    expect(await jobs()).toEqual(before);
    await db.query('SELECT cron.unschedule($1::name)', [name]);
  });

  it('leaves a max_staleness that someone else declared', async () => {
    await db.query(
      "INSERT INTO schemashift.view_policies (view_schema, view_name, max_staleness, declared_by) VALUES ('sales', 'order_totals', '1 day', 'cli')",
    );
    const run = await cmd(CRON_DATABASE, 'run', 'hourly.yaml');
    expect(run.code).toBe(0);
    expect(await query('SELECT max_staleness::text AS max, declared_by FROM schemashift.view_policies')).toEqual([
      { max: '1 day', declared_by: 'cli' },
    ]);
    expect((await jobs()).map((j) => j.jobname)).toEqual(['schemashift:hourly-totals:sales.order_totals']);
  });

  it('refuses a database without the extension, naming where pg_cron lives and what to do', async () => {
    const other = new pg.Client({ connectionString: cluster.url(OTHER_DATABASE) });
    await other.connect();
    try {
      await other.query(SETUP);
    } finally {
      await other.end();
    }
    const validated = await cmd(OTHER_DATABASE, 'validate', 'hourly.yaml', '--format', 'json');
    expect(validated.code).not.toBe(0);
    const findings = (
      JSON.parse(validated.stdout) as { plans: { findings: { rule: string; message: string; help: string }[] }[] }
    ).plans[0]!.findings;
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'db-no-cron',
        message:
          `schedule_refresh needs the pg_cron extension in database ${OTHER_DATABASE}, where the view is: pg_cron ` +
          `runs jobs only from database ${CRON_DATABASE} (cron.database_name)`,
        help: expect.stringContaining(`set cron.database_name = '${OTHER_DATABASE}'`),
      }),
    ]);
    const refused = await cmd(OTHER_DATABASE, 'run', 'hourly.yaml');
    expect(refused.code).not.toBe(0);
    const said = `${refused.stdout}${refused.stderr}`;
    expect(said).toContain(
      `schedule_refresh needs the pg_cron extension in database ${OTHER_DATABASE}, where the view is; it is not ` +
        `installed there (cron.database_name: ${CRON_DATABASE}). pg_cron runs jobs only from the database ` +
        `cron.database_name names: CREATE EXTENSION pg_cron there if it is this one, or set cron.database_name = ` +
        `'${OTHER_DATABASE}'`,
    );
    expect((await jobs()).map((j) => j.jobname)).toEqual(['schemashift:hourly-totals:sales.order_totals']);
  });
});
