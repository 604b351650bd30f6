import { describe, expect, it } from 'vitest';
import { lintPlan } from '../../src/lint/lint-plan.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { lint, rulesOf } from './helpers.js';

const plan = (phases: string) => `name: t\nphases:\n${phases}`;

describe('destructive-outside-contract on operations', () => {
  it('flags drop_index outside contract, at the operation key', async () => {
    const findings = await lint(plan('  expand:\n    - drop_index: { table: orders, name: idx_old }\n'));
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col, f.stepId])).toEqual([
      ['destructive-outside-contract', 4, 7, 'drop_index:idx_old'],
    ]);
    expect(findings[0]?.help).toContain('  contract:\n    - drop_index: { table: orders, name: idx_old }');
  });

  it('accepts drop_index and drop_column under contract', async () => {
    expect(
      await rulesOf(
        plan(
          '  contract:\n    - drop_index: { table: orders, name: idx_old }\n    - drop_column: { table: orders, column: client_id }\n',
        ),
      ),
    ).toEqual([]);
  });
});

describe('require-concurrent-index-creation / -deletion on operations', () => {
  it('flags create_index with concurrently: false at that key', async () => {
    const findings = await lint(
      plan(
        '  expand:\n    - create_index:\n        table: orders\n        name: idx_a\n        columns: [a]\n        concurrently: false\n',
      ),
    );
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col])).toEqual([['require-concurrent-index-creation', 8, 23]]);
  });

  it('accepts create_index by default (CONCURRENTLY)', async () => {
    expect(
      await rulesOf(plan('  expand:\n    - create_index: { table: orders, name: idx_a, columns: [a] }\n')),
    ).toEqual([]);
  });

  it('flags drop_index with concurrently: false', async () => {
    expect(
      await rulesOf(plan('  contract:\n    - drop_index: { table: orders, name: idx_a, concurrently: false }\n')),
    ).toEqual(['require-concurrent-index-deletion']);
  });
});

describe('not-null-before-backfill', () => {
  const addColumn =
    '    - add_column: { table: orders, column: { name: customer_id, type: bigint }, sync_from: client_id }\n';
  const backfill = '    - backfill: { table: orders, set: { customer_id: client_id } }\n';
  const setNotNull = '    - set_not_null: { table: orders, column: customer_id }\n';

  it('flags set_not_null on an added column that nothing backfills, at its column', async () => {
    const findings = await lint(plan(`  expand:\n${addColumn}  migrate:\n${setNotNull}`));
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col, f.stepId])).toEqual([
      ['not-null-before-backfill', 6, 46, 'set_not_null:orders.customer_id'],
    ]);
    expect(findings[0]?.help).toContain(
      '- backfill: { table: orders, set: { customer_id: client_id }, where: customer_id IS NULL }',
    );
  });

  it('flags a backfill that comes after set_not_null', async () => {
    expect(await rulesOf(plan(`  expand:\n${addColumn}  migrate:\n${setNotNull}${backfill}`))).toEqual([
      'not-null-before-backfill',
    ]);
  });

  it('accepts a backfill before set_not_null (also across phases)', async () => {
    expect(await rulesOf(plan(`  expand:\n${addColumn}  migrate:\n${backfill}${setNotNull}`))).toEqual([]);
    expect(await rulesOf(plan(`  expand:\n${addColumn}  migrate:\n${backfill}  contract:\n${setNotNull}`))).toEqual([]);
  });

  it('ignores columns the plan does not add, and columns added with a default', async () => {
    expect(await rulesOf(plan(`  migrate:\n${setNotNull}`))).toEqual([]);
    const withDefault =
      "    - add_column: { table: orders, column: { name: customer_id, type: bigint, default: '0' } }\n";
    expect(await rulesOf(plan(`  expand:\n${withDefault}  migrate:\n${setNotNull}`))).toEqual([]);
  });

  it('flags validate_constraint of an IS NOT NULL check added with validate: false', async () => {
    const check =
      '    - add_check: { table: orders, name: customer_id_present, expression: customer_id IS NOT NULL, validate: false }\n';
    const validate = '    - validate_constraint: { table: orders, name: customer_id_present }\n';
    const findings = await lint(plan(`  expand:\n${addColumn}${check}  migrate:\n${validate}`));
    expect(findings.map((f) => [f.rule, f.at.line, f.stepId])).toEqual([
      ['not-null-before-backfill', 7, 'validate_constraint:orders.customer_id_present'],
    ]);
    expect(await rulesOf(plan(`  expand:\n${addColumn}${check}  migrate:\n${backfill}${validate}`))).toEqual([]);
  });

  it('flags add_check validated at once (the default) on an unfilled column', async () => {
    const check =
      '    - add_check: { table: orders, name: customer_id_present, expression: customer_id IS NOT NULL }\n';
    expect(await rulesOf(plan(`  expand:\n${addColumn}${check}`))).toEqual(['not-null-before-backfill']);
    const positive = '    - add_check: { table: orders, name: customer_id_positive, expression: customer_id > 0 }\n';
    expect(await rulesOf(plan(`  expand:\n${addColumn}${positive}`))).toEqual([]);
  });

  it("counts a composite operation's own backfill: rename_column", async () => {
    const rename = '    - rename_column: { table: orders, from: client_id, to: customer_id, type: bigint }\n';
    expect(await rulesOf(plan(`  expand:\n${rename}  migrate:\n${setNotNull}`))).toEqual([]);
    expect(await rulesOf(plan(`  expand:\n${rename}${setNotNull}`))).toEqual(['not-null-before-backfill']);
  });

  it('flags a column added by raw SQL', async () => {
    const raw = '    - sql: { up: "ALTER TABLE orders ADD COLUMN customer_id bigint" }\n';
    expect(await rulesOf(plan(`  expand:\n${raw}  migrate:\n${setNotNull}`))).toEqual(['not-null-before-backfill']);
  });
});

describe('concurrently-in-transaction', () => {
  it('the sql operation already runs CONCURRENTLY statements in steps of their own: nothing to flag', async () => {
    expect(
      await rulesOf(
        plan(
          '  expand:\n    - sql: { up: "SET LOCAL work_mem = \'64MB\'; CREATE INDEX CONCURRENTLY idx_a ON orders (a)" }\n',
        ),
      ),
    ).toEqual([]);
  });

  it('flags CONCURRENTLY when the compiled step would run it inside a transaction, at the keyword', async () => {
    const parsed = await parsePlan(
      'plan.yaml',
      plan('  expand:\n    - sql: { up: "CREATE INDEX CONCURRENTLY idx_a ON orders (a)" }\n'),
    );
    const compiled = compilePlan(parsed);
    const entries = compiled.entries.map((e) => ({
      ...e,
      steps: e.steps.map((s) => (s.kind === 'sql' ? { ...s, transactional: true } : s)),
    }));
    const findings = lintPlan(parsed, { ...compiled, entries });
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col])).toEqual([['concurrently-in-transaction', 4, 32]]);
    expect(findings[0]?.help).toContain(
      '- sql: { up: "CREATE INDEX CONCURRENTLY idx_a ON orders (a)", transactional: false }',
    );
  });

  it('flags CONCURRENTLY sent in one query string with other statements', async () => {
    const parsed = await parsePlan(
      'plan.yaml',
      plan('  contract:\n    - sql: { up: "SELECT 1; DROP INDEX CONCURRENTLY idx_a" }\n'),
    );
    const compiled = compilePlan(parsed);
    const entries = compiled.entries.map((e) => ({
      ...e,
      steps: [
        { ...e.steps[0]!, sql: (e.entry.spec as { up: string }).up, transactional: false } as (typeof e.steps)[number],
      ],
    }));
    const findings = lintPlan(parsed, { ...compiled, entries });
    expect(findings.map((f) => f.rule)).toEqual(['concurrently-in-transaction']);
    expect(findings[0]?.message).toMatch(/together with 1 other statement/);
  });
});
