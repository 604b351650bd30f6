/**
 * replace_materialized_view and roles, on real PostgreSQL: a dependent materialized view's query
 * (and its index expressions) run as its owner during the swap, never as the role running the plan;
 * the new view takes the old one's owner, grants and comments, so readers are not locked out; the
 * second half of the swap refuses to run without what the first half read.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse } from '../support/operations.js';

const suffix = randomBytes(3).toString('hex');
const LOW = `mv_priv_low_${suffix}`;
const OWNER = `mv_priv_owner_${suffix}`;
const READER = `mv_priv_reader_${suffix}`;
const COLUMN_READER = `mv_priv_col_${suffix}`;
const ROLES = [LOW, OWNER, READER, COLUMN_READER];

const SPEC = {
  name: 'daily',
  query: 'SELECT day, sum(amount) * 10 AS total FROM sales GROUP BY day',
  unique_index: { columns: ['day'] },
};

const BASE = `
CREATE TABLE sales (day int NOT NULL, amount int NOT NULL);
INSERT INTO sales VALUES (1, 1), (1, 2), (2, 5);
CREATE MATERIALIZED VIEW daily AS SELECT day, sum(amount) AS total, count(*) AS n FROM sales GROUP BY day;
CREATE UNIQUE INDEX daily_day_key ON daily (day);
`;

/**
 * A low-privilege role's function that records who runs it and tries to make that role superuser
 * (which succeeds only when a superuser runs it), in a materialized view of its own and in index
 * expressions and a predicate of it (declared IMMUTABLE, calling the volatile one; the argument-less
 * one is folded to a constant when PostgreSQL reads the index definition).
 */
const ESCALATION = `
GRANT SELECT ON daily TO ${LOW};
CREATE TABLE seen (who text);
ALTER TABLE seen OWNER TO ${LOW};
CREATE FUNCTION escalate() RETURNS int LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
  INSERT INTO seen VALUES (current_user);
  BEGIN
    EXECUTE 'ALTER ROLE ${LOW} SUPERUSER';
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
  RETURN 1;
END $f$;
CREATE FUNCTION escalate_immutable(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN RETURN x + public.escalate(); END $f$;
CREATE FUNCTION escalate_constant() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN RETURN public.escalate(); END $f$;
ALTER FUNCTION escalate() OWNER TO ${LOW};
ALTER FUNCTION escalate_immutable(int) OWNER TO ${LOW};
ALTER FUNCTION escalate_constant() OWNER TO ${LOW};
CREATE MATERIALIZED VIEW daily_probe AS SELECT day, escalate() AS e FROM daily WITH NO DATA;
ALTER MATERIALIZED VIEW daily_probe OWNER TO ${LOW};
CREATE INDEX daily_probe_expr ON daily_probe (escalate_immutable(day));
CREATE INDEX daily_probe_folded ON daily_probe ((day + escalate_constant())) WHERE day > escalate_constant();
REFRESH MATERIALIZED VIEW daily_probe;
CREATE MATERIALIZED VIEW daily_empty AS SELECT day FROM daily WITH NO DATA;
TRUNCATE seen;
`;

/** The old view owned by OWNER, read by READER (who may pass it on), one column by COLUMN_READER. */
const SHARED = `
ALTER MATERIALIZED VIEW daily OWNER TO ${OWNER};
GRANT SELECT ON daily TO ${READER} WITH GRANT OPTION;
GRANT SELECT (day, n) ON daily TO ${COLUMN_READER};
COMMENT ON MATERIALIZED VIEW daily IS 'totals per day';
COMMENT ON COLUMN daily.total IS 'sum of the amounts';
COMMENT ON COLUMN daily.n IS 'sales that day';
CREATE VIEW daily_report AS SELECT day, total FROM daily;
ALTER VIEW daily_report OWNER TO ${OWNER};
GRANT SELECT ON daily_report TO ${READER};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${COLUMN_READER};
`;

describe.skipIf(!postgresAdminUrl)('replace_materialized_view and roles (PostgreSQL)', () => {
  let admin: TestDatabase;
  let db: TestDatabase;
  const steps = () => forward('replace_materialized_view', SPEC, 'expand', 'r') as SqlStep[];
  const undo = () => {
    const u = inverse('replace_materialized_view', SPEC, 'expand', 'r');
    if (!('steps' in u)) throw new Error('expected reversible');
    return u.steps as SqlStep[];
  };
  const one = async (sql: string) => Object.values((await db.query(sql))[0] ?? {})[0];
  /** `sql` run as `role`, in a transaction rolled back after. */
  const asRole = async (role: string, sql: string) => {
    await db.exec(`BEGIN; SET LOCAL ROLE ${role}`);
    try {
      return await db.query(sql);
    } finally {
      await db.exec('ROLLBACK');
    }
  };

  beforeAll(async () => {
    admin = await createPostgresDatabase();
    await admin.exec(ROLES.map((r) => `CREATE ROLE ${r};`).join('\n'));
  });
  afterAll(async () => {
    await db?.close();
    await admin.exec(ROLES.map((r) => `DROP ROLE IF EXISTS ${r};`).join('\n'));
    await admin.close();
  });
  beforeEach(async () => {
    await db?.close();
    db = await createPostgresDatabase();
    await db.exec(BASE);
  });

  it("runs a dependent materialized view's query and index expressions as its owner, not as the runner", async () => {
    await db.exec(ESCALATION);
    expect(await one('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).toBe(true);
    await applySql(db, steps(), ['expand']);

    expect(await one(`SELECT rolsuper FROM pg_roles WHERE rolname = '${LOW}'`)).toBe(false);
    const who = (await db.query<{ who: string }>('SELECT DISTINCT who FROM seen')).map((r) => r.who);
    expect(who).toEqual([LOW]);
    expect(Number(await one('SELECT count(*) FROM seen'))).toBeGreaterThan(0);
    // Carried over, populated (it was), reading the new view, still its owner's.
    expect(await one("SELECT relispopulated FROM pg_class WHERE oid = 'daily_probe'::regclass")).toBe(true);
    // Read as its owner: planning a query on it folds the IMMUTABLE call as whoever plans it (PostgreSQL's own
    // hazard with lying IMMUTABLE functions, the swap's or not), which a superuser here would turn into the escalation.
    expect(await asRole(LOW, 'SELECT count(*)::int AS n FROM daily_probe')).toEqual([{ n: 2 }]);
    expect(await one(`SELECT rolsuper FROM pg_roles WHERE rolname = '${LOW}'`)).toBe(false);
    expect(await one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'daily_probe'::regclass")).toBe(LOW);
    expect(await one("SELECT to_regclass('daily_probe_expr') IS NOT NULL")).toBe(true);
    expect(await one("SELECT to_regclass('daily_probe_folded') IS NOT NULL")).toBe(true);
    // A dependent that had no data stays without.
    expect(await one("SELECT relispopulated FROM pg_class WHERE oid = 'daily_empty'::regclass")).toBe(false);

    // Rollback carries it back the same way.
    await db.exec('TRUNCATE seen');
    await applySql(db, undo());
    expect(await one(`SELECT rolsuper FROM pg_roles WHERE rolname = '${LOW}'`)).toBe(false);
    expect((await db.query<{ who: string }>('SELECT DISTINCT who FROM seen')).map((r) => r.who)).toEqual([LOW]);
    expect(await one("SELECT relispopulated FROM pg_class WHERE oid = 'daily_probe'::regclass")).toBe(true);
  });

  it('fails the swap, naming it, when the owner of a dependent materialized view cannot read the new view', async () => {
    await db.exec(`${ESCALATION} REVOKE SELECT ON daily FROM ${LOW};`);
    const [build, index, swap] = steps();
    await applySql(db, [build!, index!]);
    await expect(db.exec(swap!.sql)).rejects.toThrow(
      'recreating materialized view public.daily_probe against daily failed: permission denied for materialized view daily',
    );
    expect(await one("SELECT to_regclass('daily__old')")).toBe(null);
    expect(await one(`SELECT rolsuper FROM pg_roles WHERE rolname = '${LOW}'`)).toBe(false);
  });

  it("gives the new view the old one's owner, grants and comments: its readers and its dependents' readers keep reading", async () => {
    await db.exec(SHARED);
    expect(steps().find((s) => s.id === 'r/swap')!.summary).toMatch(/owner, grants and comments/);
    await applySql(db, steps(), ['expand']);

    expect(await one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'daily'::regclass")).toBe(OWNER);
    expect((await asRole(READER, 'SELECT total FROM daily ORDER BY day')).map((r) => Number(r.total))).toEqual([
      30, 50,
    ]);
    expect((await asRole(READER, 'SELECT total FROM daily_report ORDER BY day')).map((r) => Number(r.total))).toEqual([
      30, 50,
    ]);
    expect(await one(`SELECT has_table_privilege('${READER}', 'daily', 'SELECT WITH GRANT OPTION')`)).toBe(true);
    expect(await one(`SELECT has_column_privilege('${COLUMN_READER}', 'daily', 'day', 'SELECT')`)).toBe(true);
    // What the new view got by default privileges, and the old one did not have, is taken back.
    expect(await one(`SELECT has_column_privilege('${COLUMN_READER}', 'daily', 'total', 'SELECT')`)).toBe(false);
    expect(await one("SELECT obj_description('daily'::regclass, 'pg_class')")).toBe('totals per day');
    expect(await one("SELECT col_description('daily'::regclass, 2)")).toBe('sum of the amounts');
    expect(await one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'daily_report'::regclass")).toBe(
      OWNER,
    );

    // Rollback: the old view comes back as it was.
    await applySql(db, undo());
    expect(await one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'daily'::regclass")).toBe(OWNER);
    expect((await asRole(READER, 'SELECT total FROM daily_report ORDER BY day')).map((r) => Number(r.total))).toEqual([
      3, 5,
    ]);
    expect(await one(`SELECT has_column_privilege('${COLUMN_READER}', 'daily', 'n', 'SELECT')`)).toBe(true);
    expect(await one("SELECT col_description('daily'::regclass, 3)")).toBe('sales that day');
    expect(await one("SELECT obj_description('daily'::regclass, 'pg_class')")).toBe('totals per day');
  });

  it('refuses the second half of the swap without what the first half read, instead of assuming no dependents', async () => {
    await db.exec('CREATE VIEW daily_report AS SELECT day, total FROM daily');
    const [build, index, swap] = steps();
    await applySql(db, [build!, index!]);
    const secondHalf = swap!.sql.slice(swap!.sql.lastIndexOf('DO $schemashift$'));
    const refusal = /cannot finish the swap of daily: what the first part of the swap read .* is not there/;
    await expect(db.exec(secondHalf)).rejects.toThrow(refusal);
    // Once set (and reset) in this session, the setting reads '': refused all the same.
    await db.exec(swap!.sql);
    await expect(db.exec(secondHalf)).rejects.toThrow(refusal);
    expect(Number(await one('SELECT sum(total) FROM daily_report'))).toBe(80);
  });
});
