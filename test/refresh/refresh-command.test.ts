/**
 * `schemashift refresh` on its own (real PostgreSQL): how auto decides CONCURRENTLY, what is recorded
 * (and how much history is kept), what status and doctor make of it, and the refusals (exit 2, nothing
 * run or created), SQL Server (exit 2) and an unreachable server (exit 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, errorObjectOf, UNREACHABLE } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { recorded, refresh, VIEWS_SQL } from './refresh-support.js';

const MODES_SQL = `
CREATE MATERIALIZED VIEW unique_mv AS SELECT id, v FROM items;
CREATE UNIQUE INDEX ON unique_mv (id);
CREATE MATERIALIZED VIEW partial_mv AS SELECT id, v FROM items;
CREATE UNIQUE INDEX ON partial_mv (id) WHERE id > 0;
CREATE MATERIALIZED VIEW expression_mv AS SELECT id, v FROM items;
CREATE UNIQUE INDEX ON expression_mv ((id + 0));
CREATE MATERIALIZED VIEW nonunique_mv AS SELECT id, v FROM items;
CREATE INDEX ON nonunique_mv (id);
CREATE MATERIALIZED VIEW empty_mv AS SELECT id, v FROM items WITH NO DATA;
CREATE UNIQUE INDEX ON empty_mv (id);
CREATE SCHEMA "Reports";
CREATE MATERIALIZED VIEW "Reports"."Daily" AS SELECT id FROM items;
CREATE VIEW plain_view AS SELECT 1 AS one;
`;

interface JsonRefresh {
  view: string;
  mode: string;
  outcome: string;
  rows: number | null;
  duration_ms: number | null;
  age_seconds?: number;
  stale?: boolean;
  blocking_reason?: string;
}

const refreshesOf = (stdout: string) => (JSON.parse(stdout) as { refreshes: JsonRefresh[] }).refreshes;

describe.skipIf(!postgresAdminUrl)('schemashift refresh (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_refresh');
    await db.exec(VIEWS_SQL + MODES_SQL);
  });
  afterAll(() => db?.close());

  it('refuses before running anything: unknown view, not a materialized view, bad name, bad flag (exit 2)', async () => {
    const invalid = await refresh(db, 'unique_mv', 'no_such_mv', 'plain_view', 'items', '--json');
    expect(invalid.code).toBe(2);
    const error = errorObjectOf(invalid.stdout);
    expect(error).toMatchObject({ code: 'invalid-view', exit_code: 2 });
    expect(error.message).toContain('no_such_mv: no such materialized view');
    expect(error.message).toContain('plain_view: public.plain_view is a view, not a materialized view');
    expect(error.message).toContain('items: public.items is a table, not a materialized view');
    for (const args of [
      ['unique_mv;drop table items'],
      ['unique_mv', '--concurrently', 'sometimes'],
      ['unique_mv', '--lock-timeout', 'forever'],
      ['unique_mv', '--lock-retries', '-1'],
      ['unique_mv', '--max-staleness', '0'],
    ])
      expect((await refresh(db, ...args)).code, args.join(' ')).toBe(2);
    // Nothing ran: not even the state schema was created.
    const [state] = await db.query<{ there: boolean }>("SELECT to_regnamespace('schemashift') IS NOT NULL AS there");
    expect(state?.there).toBe(false);
  });

  it('--concurrently always refuses a view CONCURRENTLY cannot refresh, saying why and the fix', async () => {
    for (const [view, why] of [
      ['partial_mv', 'public.partial_mv has no unique index on plain columns without WHERE'],
      ['nonunique_mv', 'public.nonunique_mv has no unique index'],
      ['empty_mv', 'public.empty_mv is not populated (created WITH NO DATA)'],
    ] as const) {
      const run = await refresh(db, view, '--concurrently', 'always');
      expect(run.code, view).toBe(2);
      expect(run.stderr).toContain(why);
      expect(run.stderr).toMatch(
        /help: (add one first \(CREATE UNIQUE INDEX CONCURRENTLY|refresh it once with --concurrently never)/,
      );
    }
  });

  it('auto: CONCURRENTLY only with a populated view and a unique index on plain columns without WHERE', async () => {
    const views = ['unique_mv', 'partial_mv', 'expression_mv', 'nonunique_mv', 'empty_mv', 'Reports.Daily'];
    const run = await refresh(db, ...views, '--json');
    expect(run.code).toBe(0);
    const modes = Object.fromEntries(refreshesOf(run.stdout).map((r) => [r.view, r.mode]));
    expect(modes).toEqual({
      'public.unique_mv': 'concurrently',
      'public.partial_mv': 'blocking',
      'public.expression_mv': 'blocking',
      'public.nonunique_mv': 'blocking',
      'public.empty_mv': 'blocking',
      'Reports.Daily': 'blocking',
    });
    // The blocking refresh filled empty_mv: the next auto run refreshes it concurrently.
    const again = await refresh(db, 'empty_mv', '--json');
    expect(refreshesOf(again.stdout)[0]).toMatchObject({ mode: 'concurrently', outcome: 'ok', rows: 500 });
    const never = await refresh(db, 'unique_mv', '--concurrently', 'never', '--json');
    expect(refreshesOf(never.stdout)[0]?.mode).toBe('blocking');
  });

  it('records each refresh (rows, duration, mode, source cli, actor) and keeps the last 100 per view', async () => {
    await db.exec('DELETE FROM items WHERE id > 400');
    const run = await refresh(db, 'plain_mv', '--json');
    expect(run.code).toBe(0);
    expect(refreshesOf(run.stdout)[0]).toMatchObject({
      view: 'public.plain_mv',
      outcome: 'ok',
      rows: 400,
      age_seconds: 0,
    });
    const last = (await recorded(db, 'plain_mv')).at(-1)!;
    expect(last).toMatchObject({ mode: 'blocking', outcome: 'ok', rows: '400', source: 'cli', error: null });
    expect(last.actor).toMatch(/^[^@\s]+@\S+$/);
    expect(Number(last.duration_ms)).toBeGreaterThanOrEqual(0);
    await db.exec(`INSERT INTO schemashift.view_refreshes (view_schema, view_name, started_at, mode, outcome, source)
      SELECT 'public', 'plain_mv', now() - interval '1 day', 'blocking', 'ok', 'pg_cron' FROM generate_series(1, 150)`);
    expect((await refresh(db, 'plain_mv')).code).toBe(0);
    const kept = await recorded(db, 'plain_mv');
    expect(kept).toHaveLength(100);
    expect(kept.at(-1)?.source).toBe('cli');
  });

  it('status and doctor: age, max_staleness, STALE past it, a failed last refresh', async () => {
    expect((await refresh(db, 'unique_mv', 'plain_mv', '--max-staleness', '1h')).code).toBe(0);
    const fresh = await cli(['status', '--json', '--database', db.url!]);
    const views = (JSON.parse(fresh.stdout) as { materialized_views: Record<string, unknown>[] }).materialized_views;
    expect(views.find((v) => v.view === 'public.unique_mv')).toMatchObject({
      max_staleness_seconds: 3600,
      declared_by: 'cli',
      stale: false,
      last_refresh: { outcome: 'ok', source: 'cli', rows: 400 },
    });
    // Two hours pass for unique_mv; plain_mv's last refresh (by pg_cron) fails.
    await db.exec(`UPDATE schemashift.view_refreshes SET started_at = started_at - interval '2 hours',
      finished_at = finished_at - interval '2 hours' WHERE view_name = 'unique_mv'`);
    await db.exec(`INSERT INTO schemashift.view_refreshes (view_schema, view_name, started_at, mode, outcome, error, source)
      VALUES ('public', 'plain_mv', now(), 'concurrently', 'failed', 'cannot refresh concurrently', 'pg_cron')`);
    const text = await cli(['status', '--database', db.url!]);
    expect(text.stdout).toContain('Materialized views');
    expect(text.stdout).toMatch(
      /public\.unique_mv {2}last refresh \S+ ok \(concurrently, \d+\.\ds, 400 rows, by cli \S+@\S+\)/,
    );
    expect(text.stdout).toMatch(
      /age 2h · max_staleness 1h \(cli\) STALE — run `schemashift refresh public\.unique_mv`/,
    );
    expect(text.stdout).toContain('public.plain_mv  last refresh');
    expect(text.stdout).toContain('failed: cannot refresh concurrently (concurrently, by pg_cron)');
    const json = await cli(['status', '--json', '--database', db.url!]);
    const stale = (JSON.parse(json.stdout) as { materialized_views: Record<string, unknown>[] }).materialized_views;
    expect(stale.find((v) => v.view === 'public.unique_mv')).toMatchObject({ stale: true });
    expect(Number(stale.find((v) => v.view === 'public.unique_mv')?.age_seconds)).toBeGreaterThanOrEqual(7200);

    const doctor = await cli(['doctor', '--json', '--database', db.url!]);
    expect(doctor.code).toBe(0);
    const checks = (JSON.parse(doctor.stdout) as { checks: Record<string, unknown>[] }).checks;
    expect(checks.find((c) => c.id === 'stale-materialized-views')).toMatchObject({
      status: 'warn',
      fix: 'schemashift refresh public.unique_mv (and check the scheduler that should have run it)',
      details: [{ view: 'public.unique_mv', maxStalenessSeconds: 3600, declaredBy: 'cli' }],
    });
    expect(checks.find((c) => c.id === 'failed-view-refreshes')).toMatchObject({
      status: 'warn',
      fix: 'fix the cause, then schemashift refresh public.plain_mv',
    });
    // Refreshed again: neither warning is left.
    expect((await refresh(db, 'unique_mv', 'plain_mv')).code).toBe(0);
    const after = await cli(['doctor', '--json', '--database', db.url!]);
    const ids = (JSON.parse(after.stdout) as { checks: { id: string; status: string }[] }).checks;
    expect(ids.filter((c) => c.id.includes('view')).map((c) => c.status)).toEqual(['ok', 'ok']);
  });

  it('SQL Server refuses (exit 2, nothing run); an unreachable server is exit 4', async () => {
    const mssql = await cli(['refresh', 'daily', '--json', '--database', 'sqlserver://sa@127.0.0.1:1/db']);
    expect(mssql.code).toBe(2);
    expect(errorObjectOf(mssql.stdout)).toMatchObject({ code: 'refresh-unsupported' });
    expect(mssql.stderr).toContain('indexed view');
    const down = await cli(['refresh', 'daily', '--database', UNREACHABLE]);
    expect(down.code).toBe(4);
  });
});
