import { describe, expect, it } from 'vitest';
import { lint, sqlPlan } from './helpers.js';

async function together(yaml: string) {
  return (await lint(yaml)).filter((f) => f.rule === 'refresh-in-ddl-transaction');
}

describe('refresh-in-ddl-transaction', () => {
  it('flags a refresh with CREATE INDEX in one step, at REFRESH, as a warning with the own-step recipe', async () => {
    const found = await together(
      sqlPlan('CREATE INDEX orders_day ON orders (day);\nREFRESH MATERIALIZED VIEW daily_usage;', 'migrate'),
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe('warning');
    expect([found[0]?.at.line, found[0]?.at.col]).toEqual([7, 11]);
    expect(found[0]?.message).toMatch(/daily_usage .*CREATE INDEX orders_day.*ACCESS EXCLUSIVE/);
    expect(found[0]?.help).toContain('- refresh_materialized_view: { name: daily_usage, concurrently: true }');
  });

  it('flags a CONCURRENTLY refresh with ALTER TABLE in one step (EXCLUSIVE lock)', async () => {
    const found = await together(
      sqlPlan('REFRESH MATERIALIZED VIEW CONCURRENTLY daily_usage;\nALTER TABLE orders ADD COLUMN note text;'),
    );
    expect(found.map((f) => [f.at.line, f.at.col])).toEqual([[6, 11]]);
    expect(found[0]?.message).toMatch(/ALTER TABLE orders.*the refresh's EXCLUSIVE lock/);
  });

  it('flags a refresh with DDL in the down (a rollback runs as one transaction)', async () => {
    const yaml = `name: t\nphases:\n  expand:\n    - sql:\n        up: "SELECT 1"\n        down: "DROP INDEX orders_day; REFRESH MATERIALIZED VIEW daily_usage"\n`;
    const found = await together(yaml);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain('until this rollback commits');
  });

  it.each([
    'REFRESH MATERIALIZED VIEW daily_usage',
    'REFRESH MATERIALIZED VIEW daily_usage;\nREFRESH MATERIALIZED VIEW CONCURRENTLY weekly_usage;',
    "UPDATE orders SET note = '' WHERE note IS NULL;\nREFRESH MATERIALIZED VIEW daily_usage;",
    'GRANT SELECT ON daily_usage TO reporting;\nREFRESH MATERIALIZED VIEW daily_usage;',
    "-- ALTER TABLE orders ADD COLUMN x int\nSELECT 'CREATE INDEX';\nREFRESH MATERIALIZED VIEW daily_usage;",
  ])('does not flag %s', async (sql) => {
    expect(await together(sqlPlan(sql))).toEqual([]);
  });

  it('does not flag statements that run as steps of their own (transactional: false, or CONCURRENTLY index)', async () => {
    const own = `name: t\nphases:\n  expand:\n    - sql:\n        transactional: false\n        up: "ALTER TABLE orders ADD COLUMN note text; REFRESH MATERIALIZED VIEW daily_usage"\n        down: "ALTER TABLE orders DROP COLUMN note; REFRESH MATERIALIZED VIEW daily_usage"\n`;
    expect(await together(own)).toEqual([]);
    const split = sqlPlan(
      'CREATE INDEX CONCURRENTLY orders_day ON orders (day);\nREFRESH MATERIALIZED VIEW daily_usage;',
    );
    expect(await together(split)).toEqual([]);
  });
});
