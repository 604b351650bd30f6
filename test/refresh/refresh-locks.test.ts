/**
 * `schemashift refresh` against other sessions (real PostgreSQL): an overlapping refresh of the same
 * view exits 3 at once naming the holder; a refresh blocked by another session's lock names it and
 * gives up after lock_timeout × (lock_retries + 1) plus the backoffs; readers keep reading during a
 * concurrent refresh (and, as a control, wait during a blocking one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { startCli } from '../runner/cli-process.js';
import { client, recorded, refresh, refreshingPid, VIEWS_SQL } from './refresh-support.js';

describe.skipIf(!postgresAdminUrl)('refresh against other sessions (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_refresh_locks');
    await db.exec(VIEWS_SQL);
  });
  afterAll(() => db?.close());

  it('an overlapping refresh of the same view exits 3 within 1 s, naming the holder; the first one finishes', async () => {
    await db.exec('UPDATE delay SET seconds = 3');
    try {
      const first = refresh(db, 'slow_mv');
      const holderPid = await refreshingPid(db, 'slow_mv');
      const started = performance.now();
      const second = await refresh(db, 'slow_mv', '--json');
      const elapsed = performance.now() - started;
      expect(second.code).toBe(3);
      expect(elapsed).toBeLessThan(1000);
      const [result] = (JSON.parse(second.stdout) as { refreshes: Record<string, unknown>[] }).refreshes;
      expect(result).toMatchObject({ view: 'public.slow_mv', outcome: 'locked', started_at: null, rows: null });
      expect(result?.holder).toMatchObject({ pid: holderPid, user: 'postgres', application: 'schemashift refresh' });
      expect(String((result?.holder as { query: string }).query)).toContain('REFRESH MATERIALIZED VIEW');
      const text = await refresh(db, 'slow_mv');
      expect(text.code).toBe(3);
      expect(text.stdout).toContain(
        `public.slow_mv: not refreshed: another refresh holds it: pid ${holderPid} (postgres@`,
      );
      const done = await first;
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/public\.slow_mv: refreshed concurrently in [3-9]\.\ds, 500 rows/);
    } finally {
      await db.exec('UPDATE delay SET seconds = 0');
    }
  });

  it('a blocking refresh behind a reader names it, obeys lock_timeout, exits 1 and records the failure', async () => {
    const reader = await client(db.url!, 'open-report');
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM plain_mv');
      const readerPid = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const started = performance.now();
      const run = await refresh(db, 'plain_mv', '--lock-timeout', '200ms', '--lock-retries', '2');
      const elapsed = performance.now() - started;
      expect(run.code).toBe(1);
      // 3 attempts of 200 ms, then backoffs of at most 1 s and 2 s.
      expect(elapsed).toBeGreaterThanOrEqual(600);
      expect(elapsed).toBeLessThan(5000);
      expect(run.stderr).toContain(
        `public.plain_mv: lock not granted within lock_timeout 200ms; blocked by pid ${readerPid}`,
      );
      expect(run.stderr).toMatch(/retry 1\/2 in \d+ms/);
      expect(run.stderr).toMatch(/retry 2\/2 in \d+ms/);
      expect(run.stdout).toContain('✖ public.plain_mv: blocking refresh failed');
      expect(run.stdout).toContain(`blocked by pid ${readerPid}`);
      expect(run.stdout).toContain('(3 attempts)');
      const last = (await recorded(db, 'plain_mv')).at(-1);
      expect(last).toMatchObject({ outcome: 'failed', mode: 'blocking', source: 'cli', rows: null });
      expect(last?.error).toContain(`blocked by pid ${readerPid}`);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
  });

  it('a concurrent refresh behind another session refreshing the view concurrently names it and gives up', async () => {
    const other = await client(db.url!, 'legacy-cron');
    try {
      await other.query('BEGIN');
      await other.query('REFRESH MATERIALIZED VIEW CONCURRENTLY slow_mv');
      const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const run = await refresh(
        db,
        'slow_mv',
        '--concurrently',
        'always',
        '--lock-timeout',
        '100ms',
        '--lock-retries',
        '0',
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('✖ public.slow_mv: concurrently refresh failed');
      expect(run.stdout).toMatch(new RegExp(`blocked by pid ${otherPid} \\(idle in transaction [^)]*legacy-cron`));
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });

  it('readers keep reading during --concurrently always; during a blocking refresh they wait (control)', async () => {
    await db.exec('UPDATE delay SET seconds = 2');
    const reader = await client(db.url!, 'reader');
    try {
      await reader.query("SET lock_timeout = '300ms'");
      const concurrent = refresh(db, 'slow_mv', '--concurrently', 'always');
      await refreshingPid(db, 'slow_mv');
      const started = performance.now();
      const { rows } = await reader.query<{ n: string }>('SELECT count(*) AS n FROM slow_mv');
      expect(performance.now() - started).toBeLessThan(300);
      expect(Number(rows[0]!.n)).toBe(500);
      expect((await concurrent).code).toBe(0);

      const blocking = refresh(db, 'slow_mv', '--concurrently', 'never');
      await refreshingPid(db, 'slow_mv');
      await expect(reader.query('SELECT count(*) FROM slow_mv')).rejects.toThrow(/lock timeout/);
      expect((await blocking).code).toBe(0);
    } finally {
      await db.exec('UPDATE delay SET seconds = 0');
      await reader.end();
    }
  });

  it('SIGTERM (a CronJob pod ending): the current refresh finishes and is recorded, the next view is not started (exit 130)', async () => {
    await db.exec('UPDATE delay SET seconds = 2');
    try {
      const before = (await recorded(db, 'plain_mv')).length;
      const run = startCli(['refresh', 'slow_mv', 'plain_mv', '--database', db.url!]);
      await refreshingPid(db, 'slow_mv');
      run.child.kill('SIGTERM');
      const done = await run.done;
      expect(done.code).toBe(130);
      expect(done.stderr).toContain('SIGTERM: stopping after the current refresh');
      expect(done.stderr).toContain('interrupted: not attempted: public.plain_mv');
      expect(done.stdout).toContain('✔ public.slow_mv: refreshed concurrently');
      expect((await recorded(db, 'plain_mv')).length).toBe(before);
      expect((await recorded(db, 'slow_mv')).at(-1)).toMatchObject({ outcome: 'ok', source: 'cli' });
    } finally {
      await db.exec('UPDATE delay SET seconds = 0');
    }
  });

  it('--statement-timeout stops a refresh that runs too long: exit 1, recorded as failed', async () => {
    await db.exec('UPDATE delay SET seconds = 3');
    try {
      const run = await refresh(db, 'slow_mv', '--statement-timeout', '500ms', '--json');
      expect(run.code).toBe(1);
      const [result] = (JSON.parse(run.stdout) as { refreshes: Record<string, unknown>[] }).refreshes;
      expect(result).toMatchObject({ view: 'public.slow_mv', outcome: 'failed', rows: null });
      expect(String(result?.error)).toContain('statement timeout');
      // By the server's clock: stopped at 500 ms, not after the view's 3 s.
      expect(Number(result?.duration_ms)).toBeGreaterThanOrEqual(500);
      expect(Number(result?.duration_ms)).toBeLessThan(2000);
      expect((await recorded(db, 'slow_mv')).at(-1)).toMatchObject({ outcome: 'failed', mode: 'concurrently' });
    } finally {
      await db.exec('UPDATE delay SET seconds = 0');
    }
  });
});
