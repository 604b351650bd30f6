/**
 * replace_materialized_view with dependents, on real PostgreSQL: the swap recreates what reads the
 * old view against the new one (recursively, with owners, grants, comments, options and indexes),
 * rollback carries them back, contract refuses while something still reads the old view.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, probe } from '../support/operations.js';

const suffix = randomBytes(3).toString('hex');
const OWNER = `mv_deps_owner_${suffix}`;
const READER = `mv_deps_reader_${suffix}`;

const SPEC = {
  name: 'daily',
  query: 'SELECT day, sum(amount) * 10 AS total FROM sales GROUP BY day',
  unique_index: { columns: ['day'] },
};

const SETUP = `
CREATE TABLE sales (day int NOT NULL, amount int NOT NULL);
INSERT INTO sales VALUES (1, 1), (1, 2), (2, 5);
CREATE MATERIALIZED VIEW daily AS SELECT day, sum(amount) AS total FROM sales GROUP BY day;
CREATE UNIQUE INDEX daily_day_key ON daily (day);
GRANT SELECT ON daily TO ${OWNER};
CREATE VIEW daily_report WITH (security_barrier) AS SELECT day, total * 2 AS doubled FROM daily;
ALTER VIEW daily_report ALTER COLUMN doubled SET DEFAULT 0;
COMMENT ON VIEW daily_report IS 'twice the total';
COMMENT ON COLUMN daily_report.doubled IS 'total times two';
GRANT SELECT ON daily_report TO ${READER};
CREATE VIEW report_top AS SELECT day FROM daily_report WHERE doubled > 5;
CREATE MATERIALIZED VIEW daily_rank AS SELECT day, rank() OVER (ORDER BY total DESC) AS rank FROM daily;
CREATE UNIQUE INDEX daily_rank_day_key ON daily_rank (day);
COMMENT ON MATERIALIZED VIEW daily_rank IS 'rank of each day';
ALTER MATERIALIZED VIEW daily_rank OWNER TO ${OWNER};
GRANT SELECT ON daily_rank TO ${READER};
CREATE FUNCTION daily_sum() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT sum(total) FROM daily; END;
REVOKE EXECUTE ON FUNCTION daily_sum() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION daily_sum() TO ${READER};
COMMENT ON FUNCTION daily_sum() IS 'sum of the totals';
CREATE VIEW sum_view AS SELECT daily_sum() AS s;
CREATE FUNCTION daily_sum_by_name() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT sum(total) FROM daily';
CREATE SCHEMA "Rep";
CREATE VIEW "Rep"."Daily View" WITH (security_invoker = true) AS SELECT day, total FROM daily WHERE day > 0;
GRANT SELECT (day) ON "Rep"."Daily View" TO ${READER};
CREATE FUNCTION ignore_write() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER daily_report_ignore INSTEAD OF INSERT ON daily_report FOR EACH ROW EXECUTE FUNCTION ignore_write();
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${OWNER};
`;

describe.skipIf(!postgresAdminUrl)('replace_materialized_view carries dependents (PostgreSQL)', () => {
  let admin: TestDatabase;
  let db: TestDatabase;
  const steps = () => forward('replace_materialized_view', SPEC, 'expand', 'r') as SqlStep[];
  const stepOf = (id: string) => steps().find((s) => s.id === `r/${id}`)!;
  const undo = () => {
    const u = inverse('replace_materialized_view', SPEC, 'expand', 'r');
    if (!('steps' in u)) throw new Error('expected reversible');
    return u.steps as SqlStep[];
  };
  const one = async (sql: string) => Object.values((await db.query(sql))[0] ?? {})[0];
  const column = async (sql: string) => (await db.query<{ v: unknown }>(sql)).map((r) => r.v);
  const numbers = async (sql: string) => (await column(sql)).map(Number);
  /** A step's SQL without its quoted messages (which say that CASCADE is never used). */
  const statementsOf = (sql: string) => sql.replace(/'(?:[^']|'')*'/g, "''");

  beforeAll(async () => {
    admin = await createPostgresDatabase();
    await admin.exec(`CREATE ROLE ${OWNER}; CREATE ROLE ${READER}`);
  });
  afterAll(async () => {
    await db?.close();
    await admin.exec(`DROP ROLE IF EXISTS ${OWNER}; DROP ROLE IF EXISTS ${READER}`);
    await admin.close();
  });
  beforeEach(async () => {
    await db?.close();
    db = await createPostgresDatabase();
    await db.exec(SETUP);
  });

  it('recreates every dependent against the new view in the swap, with what was attached to it', async () => {
    await applySql(db, steps(), ['expand']);
    expect(await numbers('SELECT doubled AS v FROM daily_report ORDER BY day')).toEqual([60, 100]);
    expect(await numbers('SELECT day AS v FROM report_top ORDER BY day')).toEqual([1, 2]);
    expect(await numbers('SELECT rank AS v FROM daily_rank ORDER BY day')).toEqual([2, 1]);
    expect(await one('SELECT daily_sum()')).toBe('80');
    expect(await one('SELECT daily_sum_by_name()')).toBe('80');
    expect(await one('SELECT s FROM sum_view')).toBe('80');

    expect(await one("SELECT reloptions::text FROM pg_class WHERE relname = 'daily_report'")).toBe(
      '{security_barrier=true}',
    );
    expect(
      await one("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'daily_report'::regclass"),
    ).toBe('0');
    expect(await one("SELECT obj_description('daily_report'::regclass, 'pg_class')")).toBe('twice the total');
    expect(await one("SELECT col_description('daily_report'::regclass, 2)")).toBe('total times two');
    expect(await one(`SELECT has_table_privilege('${READER}', 'daily_report', 'SELECT')`)).toBe(true);
    expect(await one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'daily_rank'")).toBe(OWNER);
    expect(await one("SELECT obj_description('daily_rank'::regclass, 'pg_class')")).toBe('rank of each day');
    expect(await one(`SELECT has_table_privilege('${READER}', 'daily_rank', 'SELECT')`)).toBe(true);
    expect(await column("SELECT indexname AS v FROM pg_indexes WHERE tablename = 'daily_rank'")).toEqual([
      'daily_rank_day_key',
    ]);
    expect(await one(`SELECT has_function_privilege('${READER}', 'daily_sum()', 'EXECUTE')`)).toBe(true);
    expect(await one("SELECT has_function_privilege('public', 'daily_sum()', 'EXECUTE')")).toBe(false);
    expect(await one("SELECT obj_description('daily_sum'::regproc, 'pg_proc')")).toBe('sum of the totals');
    expect(await one(`SELECT reloptions::text FROM pg_class WHERE oid = '"Rep"."Daily View"'::regclass`)).toBe(
      '{security_invoker=true}',
    );
    expect(await one(`SELECT has_column_privilege('${READER}', '"Rep"."Daily View"', 'day', 'SELECT')`)).toBe(true);
    expect(await one(`SELECT has_column_privilege('${READER}', '"Rep"."Daily View"', 'total', 'SELECT')`)).toBe(false);
    expect(await numbers('SELECT total AS v FROM "Rep"."Daily View" ORDER BY day')).toEqual([30, 50]);
    expect(await one("SELECT tgname FROM pg_trigger WHERE tgrelid = 'daily_report'::regclass")).toBe(
      'daily_report_ignore',
    );
    // Default privileges that creating it again would add are taken back: the grants are as they were.
    expect(await one(`SELECT has_table_privilege('${OWNER}', 'daily_report', 'SELECT')`)).toBe(false);

    // Nothing reads the old view any more: contract drops it.
    expect(await probe(db, stepOf('swap'))).toBe(true);
    await applySql(db, steps(), ['contract']);
    expect(await one("SELECT to_regclass('daily__old')")).toBe(null);
  });

  it('is all or nothing: a dependent that does not fit the new view fails the swap and changes nothing', async () => {
    await db.exec('CREATE VIEW needs_amount AS SELECT total FROM daily');
    const narrow = { ...SPEC, query: 'SELECT day, count(*) AS n FROM sales GROUP BY day' };
    const [build, index, swap] = forward('replace_materialized_view', narrow, 'expand', 'r') as SqlStep[];
    await applySql(db, [build!, index!]);
    await expect(db.exec(swap!.sql)).rejects.toThrow(
      /recreating view "Rep"\."Daily View" against daily failed: column daily\.total does not exist/,
    );
    expect(await one("SELECT to_regclass('daily__old')")).toBe(null);
    expect(await one("SELECT to_regclass('daily__new') IS NOT NULL")).toBe(true);
    expect(await numbers('SELECT doubled AS v FROM daily_report ORDER BY day')).toEqual([6, 10]);
    expect(await one('SELECT daily_sum()')).toBe('8');
  });

  it('after the swap committed, its probe says done: a resumed run does not swap again', async () => {
    const [build, index, swap] = steps();
    await applySql(db, [build!, index!]);
    expect(await probe(db, swap!)).toBe(false);
    await db.exec(swap!.sql);
    expect(await probe(db, swap!)).toBe(true);
  });

  it('rollback before contract carries the dependents back to the old view', async () => {
    await applySql(db, steps(), ['expand']);
    await applySql(db, undo());
    expect(await numbers('SELECT doubled AS v FROM daily_report ORDER BY day')).toEqual([6, 10]);
    expect(await numbers('SELECT day AS v FROM report_top ORDER BY day')).toEqual([1, 2]);
    expect(await one('SELECT daily_sum()')).toBe('8');
    expect(await one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'daily_rank'")).toBe(OWNER);
    expect(await one(`SELECT has_table_privilege('${READER}', 'daily_report', 'SELECT')`)).toBe(true);
    expect(await one("SELECT to_regclass('daily__old') IS NULL AND to_regclass('daily__new') IS NULL")).toBe(true);
  });

  it('contract refuses, naming it, to drop the old view while something created after the swap reads it', async () => {
    await applySql(db, steps(), ['expand']);
    await db.exec('CREATE VIEW late_reader AS SELECT day FROM daily__old');
    const drop = stepOf('drop-old');
    await expect(db.exec(drop.sql)).rejects.toThrow(
      'cannot drop materialized view daily__old: these still depend on it: view late_reader',
    );
    expect(await one("SELECT to_regclass('daily__old') IS NOT NULL")).toBe(true);
    expect(statementsOf(drop.sql)).not.toMatch(/CASCADE/i);
  });

  it('refuses the swap, naming them, when something it cannot recreate depends on the old view', async () => {
    await db.exec('CREATE TABLE keeps_rows (r daily)');
    const [build, index, swap] = steps();
    await applySql(db, [build!, index!]);
    await expect(db.exec(swap!.sql)).rejects.toThrow(
      /cannot swap daily: .*these depend on it too: column r of table public\.keeps_rows$/,
    );
    expect(await one("SELECT to_regclass('daily__old')")).toBe(null);
  });

  it('validate --database lists every dependent by kind and name, recursively, and what the swap cannot recreate', async () => {
    await db.exec('CREATE TABLE keeps_rows (r daily)');
    const dir = await mkdtemp(join(tmpdir(), 'schemashift-view-deps-'));
    try {
      const plan = [
        'name: replace-daily',
        'phases:',
        '  expand:',
        '    - replace_materialized_view:',
        '        name: daily',
        `        query: "${SPEC.query}"`,
        '        unique_index: { columns: [day] }',
        '',
      ].join('\n');
      await writeFile(join(dir, 'plan.yaml'), plan);
      const io = captureIo(dir);
      const code = await main(['validate', '--database', db.url!, '--format', 'json', 'plan.yaml'], io);
      const doc = JSON.parse(io.stdout()) as {
        plans: { findings: { rule: string; message: string; line: number }[] }[];
      };
      const found = doc.plans[0]!.findings.filter((f) => f.rule.startsWith('db-view-'));
      // Errors first, then by depth and kind.
      expect(found.map((f) => [f.rule, f.message.replace(/ \(\d.*$/, '')])).toEqual([
        [
          'db-view-dependent-unsupported',
          'column r of table keeps_rows depends on daily, and the swap can recreate only views, materialized views and functions: it would refuse',
        ],
        [
          'db-view-dependents',
          'function public.daily_sum() reads daily: the swap recreates it against the new daily, with its owner, grants and comments',
        ],
        [
          'db-view-dependents',
          'materialized view public.daily_rank reads daily: the swap recreates it against the new daily, with its owner, grants and comments and refills it (a refresh run as its owner) while readers of daily wait',
        ],
        [
          'db-view-dependents',
          'view "Rep"."Daily View" reads daily: the swap recreates it against the new daily, with its owner, grants and comments',
        ],
        [
          'db-view-dependents',
          'view public.daily_report reads daily: the swap recreates it against the new daily, with its owner, grants and comments',
        ],
        [
          'db-view-dependents',
          'view public.report_top reads daily (through another dependent): the swap recreates it against the new daily, with its owner, grants and comments',
        ],
        [
          'db-view-dependents',
          'view public.sum_view reads daily (through another dependent): the swap recreates it against the new daily, with its owner, grants and comments',
        ],
      ]);
      expect(found.every((f) => f.line === 5)).toBe(true);
      expect(code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses no CASCADE anywhere', () => {
    for (const step of [...steps(), ...undo()]) expect(statementsOf(step.sql)).not.toMatch(/CASCADE/i);
  });
});
