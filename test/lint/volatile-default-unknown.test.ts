/** Raw SQL ADD COLUMN with a default through a function only the database knows (issue 9, item 9). */
import { describe, expect, it } from 'vitest';
import { lint, rulesOf, sqlPlan } from './helpers.js';

describe('volatile-default on raw SQL: unknown functions are treated as volatile', () => {
  it('a user function: found, saying so, with the recipe', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE orders ADD COLUMN code int DEFAULT public.always_ten()'));
    expect(f).toMatchObject({ rule: 'volatile-default', severity: 'error', at: { line: 6, col: 58 } });
    expect(f?.message).toContain('public.always_ten(), whose volatility only the database knows (treated as volatile');
    expect(f?.help).toContain('- sql: { up: "ALTER TABLE orders ALTER COLUMN code SET DEFAULT public.always_ten()" }');
  });

  it('known built-ins are not flagged; a known volatile one wins over an unknown one', async () => {
    expect(
      await rulesOf(sqlPlan("ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT date_trunc('day', now())")),
    ).toEqual([]);
    const [f] = await lint(sqlPlan('ALTER TABLE orders ADD COLUMN code text DEFAULT app.f(random())'));
    expect(f?.message).toContain('random(), which is volatile');
  });

  it('can be ignored on the step when pg_proc says the function is STABLE', async () => {
    expect(
      await rulesOf(
        sqlPlan(
          'ALTER TABLE orders ADD COLUMN code int DEFAULT public.stable_ten()',
          'expand',
          '        lint: { ignore: [volatile-default], reason: "pg_proc says STABLE" }\n',
        ),
      ),
    ).toEqual([]);
  });
});
