import { describe, expect, it } from 'vitest';
import { lint, sqlPlan } from './helpers.js';

async function refreshes(yaml: string) {
  return (await lint(yaml)).filter((f) => f.rule === 'refresh-without-concurrently');
}

const CREATE = `    - create_materialized_view:
        name: daily_usage
        query: SELECT customer_id, count(*) AS orders FROM orders GROUP BY customer_id
        with_data: false
`;

describe('refresh-without-concurrently', () => {
  it('flags a raw REFRESH without CONCURRENTLY, at REFRESH, as a warning with the unique-index recipe', async () => {
    const found = await refreshes(sqlPlan('SELECT 1;\nREFRESH MATERIALIZED VIEW reports.daily_usage;', 'migrate'));
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe('warning');
    expect([found[0]?.at.line, found[0]?.at.col]).toEqual([7, 11]);
    expect(found[0]?.message).toMatch(/reports\.daily_usage .*ACCESS EXCLUSIVE/);
    expect(found[0]?.help).toContain('- create_index: { table: reports.daily_usage, name: reports_daily_usage_key');
    expect(found[0]?.help).toContain('unique: true');
    expect(found[0]?.help).toContain('- refresh_materialized_view: { name: reports.daily_usage, concurrently: true }');
  });

  it.each([
    'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_usage',
    'REFRESH MATERIALIZED VIEW daily_usage WITH NO DATA',
    "-- REFRESH MATERIALIZED VIEW daily_usage\nSELECT 'REFRESH MATERIALIZED VIEW daily_usage'",
    'CREATE MATERIALIZED VIEW daily_usage AS SELECT 1 AS id WITH NO DATA;\nREFRESH MATERIALIZED VIEW daily_usage;',
  ])('does not flag %s', async (sql) => {
    expect(await refreshes(sqlPlan(sql))).toEqual([]);
  });

  it('flags refresh_materialized_view with concurrently false (written or by default) on an existing view', async () => {
    const written = await refreshes(
      `name: t\nphases:\n  expand:\n    - refresh_materialized_view: { name: public.daily_usage, concurrently: false }\n`,
    );
    expect(written.map((f) => [f.at.line, f.message.includes('daily_usage')])).toEqual([[4, true]]);
    const byDefault = await refreshes(
      `name: t\nphases:\n  expand:\n    - refresh_materialized_view: { name: daily_usage }\n`,
    );
    expect(byDefault).toHaveLength(1);
    expect(byDefault[0]?.stepId).toBe('refresh_materialized_view:daily_usage');
  });

  it('does not flag a refresh of a view created earlier in the same phase, nor a concurrent one', async () => {
    const fresh = `name: t\nphases:\n  expand:\n${CREATE}    - refresh_materialized_view: { name: daily_usage }\n`;
    expect(await refreshes(fresh)).toEqual([]);
    const raw = `name: t\nphases:\n  expand:\n    - sql: { up: "CREATE MATERIALIZED VIEW daily_usage AS SELECT 1 AS id" }\n    - refresh_materialized_view: { name: daily_usage }\n`;
    expect(await refreshes(raw)).toEqual([]);
    const concurrent = `name: t\nphases:\n  expand:\n    - refresh_materialized_view: { name: daily_usage, concurrently: true }\n`;
    expect(await refreshes(concurrent)).toEqual([]);
  });

  it('flags a view created in an earlier phase (the new application may read it by then) or refreshed before it is created', async () => {
    const laterPhase = `name: t\nphases:\n  expand:\n${CREATE}  migrate:\n    - sql: { up: "REFRESH MATERIALIZED VIEW daily_usage" }\n`;
    expect(await refreshes(laterPhase)).toHaveLength(1);
    const before = `name: t\nphases:\n  expand:\n    - refresh_materialized_view: { name: daily_usage }\n${CREATE}`;
    expect(await refreshes(before)).toHaveLength(1);
  });
});
