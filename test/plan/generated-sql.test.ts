/**
 * Every statement generated for a plan entry (steps, undo steps, probes, backfill batches, check,
 * guard and throttle queries) is parsed when the plan loads. A default that is not a restricted
 * expression (what DEFAULT takes) loads: it is rendered in parentheses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { compilePlan } from '../../src/plan/compile.js';
import { sqlTextsOf } from '../../src/plan/generated-sql.js';
import { parsePlan } from '../../src/plan/load.js';
import { parseSql } from '../../src/dialects/postgres/sql/parser.js';

describe('generated SQL is parsed at load time', () => {
  it.each([
    ['true OR false', 'boolean', 'OR'],
    ['1 BETWEEN 0 AND 2', 'boolean', 'BETWEEN'],
    ["'a' LIKE 'b'", 'boolean', 'LIKE'],
    ['NOT true', 'boolean', 'NOT'],
  ])('default %j (not a b_expr) loads: it is rendered in parentheses', async (fragment, type) => {
    const line = `    - add_column: { table: t, column: { name: c, type: ${type}, default: "${fragment}" } }`;
    const plan = await parsePlan('p.yaml', `name: p\nphases:\n  expand:\n${line}\n`);
    expect(compilePlan(plan).phases[0]!.steps[0]!.step).toMatchObject({
      sql: `ALTER TABLE t ADD COLUMN c ${type} DEFAULT (${fragment})`,
    });
  });

  it('a default already in parentheses loads', async () => {
    const plan = await parsePlan(
      'p.yaml',
      'name: p\nphases:\n  expand:\n    - add_column: { table: t, column: { name: c, type: boolean, default: "(true OR false)" } }\n',
    );
    expect(compilePlan(plan).phases[0]!.steps[0]!.step).toMatchObject({
      sql: 'ALTER TABLE t ADD COLUMN c boolean DEFAULT ((true OR false))',
    });
  });

  it.each(readdirSync('plans').filter((f) => f.endsWith('.yaml')))(
    'every statement of plans/%s parses',
    async (file) => {
      const plan = await parsePlan(file, readFileSync(`plans/${file}`, 'utf8'));
      const steps = compilePlan(plan).phases.flatMap((p) => p.steps.map((s) => s.step));
      const texts = steps.flatMap((step) => sqlTextsOf(postgres, step));
      // Blue/green steps hold no plan SQL: their statements name only catalog objects, built when they run.
      if (steps.every((step) => step.kind === 'replication')) expect(texts).toEqual([]);
      else expect(texts.length).toBeGreaterThan(0);
      for (const sql of texts) expect(parseSql(sql).ok, sql).toBe(true);
    },
  );
});
