/**
 * schedule_refresh's jobs run by pg_cron itself (1.4, its default libpq mode), not only their command
 * sent by a test: at the next full minute (so this waits up to a minute) three jobs run: one behind a
 * reader's ACCESS SHARE fails after its lock_timeout, one whose view's advisory lock a session holds
 * (as `schemashift refresh` does) succeeds without refreshing or recording, and a free one refreshes
 * and records. What each did is read from cron.job_run_details and schemashift.view_refreshes.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresViewRefresh } from '../../src/dialects/postgres/view-refresh.js';
import { cli, folderWith } from '../cli/cli-support.js';
import { waitFor } from '../runner/seed.js';
import { CRON_DATABASE, cronClusterUnavailable, startCronCluster, type CronCluster } from '../support/cron-cluster.js';

const unavailable = cronClusterUnavailable();
if (unavailable) console.log(`\n!!! SKIPPING the pg_cron run of schedule_refresh jobs: ${unavailable}. !!!\n`);

const PLAN = `name: every-minute
phases:
  expand:
    - schedule_refresh: { name: read_mv, schedule: "* * * * *", lock_timeout: 700ms, statement_timeout: 20s }
    - schedule_refresh: { name: locked_mv, schedule: "* * * * *" }
    - schedule_refresh: { name: free_mv, schedule: "* * * * *" }
`;

interface RunDetail {
  jobname: string;
  status: string;
  return_message: string;
  ms: number;
}

describe.skipIf(unavailable !== null)('schedule_refresh jobs run by pg_cron', () => {
  let cluster: CronCluster;
  let db: pg.Client;
  let holder: pg.Client;
  beforeAll(async () => {
    cluster = await startCronCluster();
    db = new pg.Client({ connectionString: cluster.url(CRON_DATABASE) });
    await db.connect();
    holder = new pg.Client({ connectionString: cluster.url(CRON_DATABASE) });
    await holder.connect();
    await db.query(`CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);
      CREATE MATERIALIZED VIEW read_mv AS SELECT id FROM t;
      CREATE MATERIALIZED VIEW locked_mv AS SELECT id FROM t;
      CREATE MATERIALIZED VIEW free_mv AS SELECT id FROM t;`);
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  });

  it('a run behind a reader fails at lock_timeout, a run under the refresh lock skips, a free run records', async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM read_mv');
    const described = postgresViewRefresh.describe('locked_mv');
    const key = (await holder.query<{ lock_key: number }>(described.sql, described.params)).rows[0]!.lock_key;
    const lock = postgresViewRefresh.tryLock(key);
    expect((await holder.query<{ ok: boolean }>(lock.sql, lock.params)).rows[0]!.ok).toBe(true);
    await db.query('INSERT INTO t VALUES (2)');
    // The jobs are installed once the locks are held: none can run before.
    const dir = folderWith({ 'every-minute.yaml': PLAN });
    const run = await cli(['run', 'every-minute.yaml', '--database', cluster.url(CRON_DATABASE)], { cwd: dir });
    expect(run.stderr).toBe('');

    const details = await waitFor(
      'the three jobs to run at the next full minute',
      async () => {
        const { rows } = await db.query<RunDetail>(
          `SELECT j.jobname, d.status, d.return_message,
             (extract(epoch FROM d.end_time - d.start_time) * 1000)::int AS ms
           FROM cron.job_run_details d JOIN cron.job j USING (jobid)
           WHERE d.status IN ('succeeded', 'failed') ORDER BY j.jobname`,
        );
        return rows.length === 3 ? rows : undefined;
      },
      75_000,
      500,
    );
    expect(details.map(({ jobname, status }) => [jobname, status])).toEqual([
      ['schemashift:every-minute:free_mv', 'succeeded'],
      ['schemashift:every-minute:locked_mv', 'succeeded'],
      ['schemashift:every-minute:read_mv', 'failed'],
    ]);
    const failed = details[2]!;
    expect(failed.return_message).toContain('canceling statement due to lock timeout');
    expect(failed.ms).toBeGreaterThanOrEqual(600);
    expect(failed.ms).toBeLessThan(5000);
    const recorded = await db.query('SELECT view_name, outcome, source FROM schemashift.view_refreshes');
    expect(recorded.rows).toEqual([{ view_name: 'free_mv', outcome: 'ok', source: 'pg_cron' }]);
    const counts = await db.query(
      'SELECT (SELECT count(*)::int FROM free_mv) AS free, (SELECT count(*)::int FROM locked_mv) AS locked',
    );
    expect(counts.rows).toEqual([{ free: 2, locked: 1 }]);
    await holder.query('ROLLBACK');
  }, 120_000);
});
