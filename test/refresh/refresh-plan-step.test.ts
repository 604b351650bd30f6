/**
 * A plan's refresh_materialized_view step is recorded in the view's refresh history (source
 * `plan:<name>`), so status shows it and doctor counts it against max_staleness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { recorded, refresh, VIEWS_SQL } from './refresh-support.js';

const PLAN = `name: refresh-reports
phases:
  expand:
    - refresh_materialized_view: { name: slow_mv, concurrently: true }
    - refresh_materialized_view: { name: public.plain_mv }
`;

describe.skipIf(!postgresAdminUrl)('refresh_materialized_view in a plan (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_refresh_plan');
    await db.exec(VIEWS_SQL);
  });
  afterAll(() => db?.close());

  it('each refresh step is recorded as plan:<name>, with its mode; status shows it', async () => {
    expect((await refresh(db, 'plain_mv', '--max-staleness', '1h')).code).toBe(0);
    const dir = folderWith({ 'refresh-reports.yaml': PLAN });
    const run = await cli(['run', 'refresh-reports.yaml', '--yes', '--database', db.url!], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect((await recorded(db, 'slow_mv')).map((r) => [r.source, r.mode, r.outcome, r.rows])).toEqual([
      ['plan:refresh-reports', 'concurrently', 'ok', null],
    ]);
    const plain = await recorded(db, 'plain_mv');
    expect(plain.map((r) => r.source)).toEqual(['cli', 'plan:refresh-reports']);
    expect(plain[1]?.actor).toMatch(/^[^@\s]+@\S+$/);
    const status = await cli(['status', '--database', db.url!]);
    expect(status.stdout).toMatch(
      /public\.plain_mv {2}last refresh \S+ ok \(blocking, \d+\.\ds, by plan:refresh-reports \S+\)/,
    );
  });
});
