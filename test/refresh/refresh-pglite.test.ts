/** `schemashift refresh` on the embedded PGlite (one backend: the records are written on the refresh's session). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { cli, emptyDir } from '../cli/cli-support.js';

describe('refresh on PGlite', () => {
  it('refreshes, records and shows the view; a missing embedded database is exit 4 and is not created', async () => {
    const missing = emptyDir();
    const none = await cli(['refresh', 'daily'], { cwd: missing });
    expect(none.code).toBe(4);
    expect(existsSync(join(missing, '.schemashift'))).toBe(false);

    const dir = emptyDir();
    const db = await PGlite.create(join(dir, 'db'));
    await db.exec(`CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10);
      CREATE MATERIALIZED VIEW daily AS SELECT id FROM t; CREATE UNIQUE INDEX ON daily (id);`);
    await db.close();
    const url = 'pglite://./db';
    const run = await cli(['refresh', 'daily', '--max-staleness', '1h', '--database', url], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✔ public\.daily: refreshed concurrently in \d+\.\ds, 10 rows/);
    const status = await cli(['status', '--json', '--database', url], { cwd: dir });
    const views = (JSON.parse(status.stdout) as { materialized_views: Record<string, unknown>[] }).materialized_views;
    expect(views).toMatchObject([{ view: 'public.daily', stale: false, last_refresh: { rows: 10, source: 'cli' } }]);
  });
});
