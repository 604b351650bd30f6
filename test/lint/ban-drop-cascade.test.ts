import { describe, expect, it } from 'vitest';
import { lint, sqlPlan } from './helpers.js';

/** The ban-drop-cascade findings of a contract-phase sql step (the SQL starts on line 6, column 11). */
async function cascades(up: string, extra = '') {
  return (await lint(sqlPlan(up, 'contract', extra))).filter((f) => f.rule === 'ban-drop-cascade');
}

describe('ban-drop-cascade', () => {
  it.each([
    'DROP TABLE legacy_orders CASCADE',
    'DROP VIEW IF EXISTS recent_orders CASCADE',
    'DROP MATERIALIZED VIEW daily_usage_matview CASCADE',
    'DROP INDEX CONCURRENTLY idx_orders_old CASCADE',
    'DROP SCHEMA legacy CASCADE',
    'DROP FUNCTION order_total(bigint) CASCADE',
    'DROP TYPE order_status CASCADE',
    'DROP DOMAIN positive_amount CASCADE',
    'DROP EXTENSION hstore CASCADE',
    'ALTER TABLE orders DROP COLUMN client_id CASCADE',
    'ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE',
    'DROP OWNED BY legacy_app CASCADE',
  ])('flags %s, at its CASCADE keyword, as an error', async (sql) => {
    const found = await cascades(sql);
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe('error');
    expect([found[0]?.at.line, found[0]?.at.col]).toEqual([6, 11 + sql.lastIndexOf('CASCADE')]);
    expect(found[0]?.message).toContain(sql.slice(0, 20));
    expect(found[0]?.help).toMatch(/drop the dependents by name first/);
    expect(found[0]?.help).toContain('FROM pg_depend d');
  });

  it('names the dropped relation in the dependents query', async () => {
    const [found] = await cascades('DROP MATERIALIZED VIEW reports.daily CASCADE');
    expect(found?.help).toContain("d.refclassid = 'pg_class'::regclass AND d.refobjid = 'reports.daily'::regclass");
    const [schema] = await cascades('DROP SCHEMA legacy CASCADE');
    expect(schema?.help).toContain("'pg_namespace'::regclass AND d.refobjid = 'legacy'::regnamespace");
  });

  it('points at the one subcommand with CASCADE in a multi-command ALTER TABLE', async () => {
    const sql = 'ALTER TABLE orders DROP COLUMN a, DROP CONSTRAINT k CASCADE, DROP COLUMN b';
    const found = await cascades(sql);
    expect(found.map((f) => f.at.col)).toEqual([11 + sql.indexOf('CASCADE')]);
  });

  it.each([
    'DROP TABLE legacy_orders',
    'DROP TABLE legacy_orders RESTRICT',
    'ALTER TABLE orders DROP COLUMN client_id RESTRICT',
    "COMMENT ON TABLE orders IS 'dropped with DROP TABLE x CASCADE once'",
    '-- never DROP TABLE orders CASCADE\nDROP VIEW recent_orders',
    'DROP TABLE "cascade"',
    'TRUNCATE audit_log',
  ])('does not flag %s', async (sql) => {
    expect(await cascades(sql)).toEqual([]);
  });

  it('reads the down of a sql step as well as its up', async () => {
    const extra = '        down: |\n          DROP VIEW IF EXISTS recent_orders CASCADE\n';
    const found = await cascades('CREATE VIEW recent_orders AS SELECT 1 AS id', extra);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/rollback/);
    expect([found[0]?.at.line, found[0]?.at.col]).toEqual([8, 11 + 'DROP VIEW IF EXISTS recent_orders '.length]);
  });
});
