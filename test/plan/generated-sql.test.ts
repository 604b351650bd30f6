/**
 * Every statement generated for a plan entry (steps, undo steps, probes, backfill batches, check,
 * guard and throttle queries) is parsed when the plan loads. A fragment that is one expression on
 * its own but mis-splices (DEFAULT takes a restricted expression) is refused at the fragment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { PlanError } from '../../src/errors.js';
import { compilePlan } from '../../src/plan/compile.js';
import { sqlTextsOf } from '../../src/plan/generated-sql.js';
import { parsePlan } from '../../src/plan/load.js';
import { parseSql } from '../../src/dialects/postgres/sql/parser.js';

async function refusal(yaml: string): Promise<PlanError> {
  const error = await parsePlan('p.yaml', `name: p\nphases:\n${yaml}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlanError);
  return error as PlanError;
}

describe('generated SQL is parsed at load time', () => {
  it.each([
    ['true OR false', 'boolean', 'OR'],
    ['1 BETWEEN 0 AND 2', 'boolean', 'BETWEEN'],
    ["'a' LIKE 'b'", 'boolean', 'LIKE'],
    ['NOT true', 'boolean', 'NOT'],
  ])('default %j is refused at the operator that does not fit DEFAULT', async (fragment, type, word) => {
    const line = `    - add_column: { table: t, column: { name: c, type: ${type}, default: "${fragment}" } }`;
    const error = await refusal(`  expand:\n${line}\n`);
    expect(error.problems).toHaveLength(1);
    const problem = error.problems[0]!;
    expect(problem.message).toMatch(
      /^the SQL schemashift generates for this add_column step does not parse: syntax error at or near/,
    );
    expect(problem.message).toContain(`in \`ALTER TABLE t ADD COLUMN c ${type} DEFAULT ${fragment}\``);
    expect(problem.hint).toMatch(/in parentheses/);
    expect(problem.at).toEqual({ file: 'p.yaml', line: 4, col: line.indexOf(word) + 1 });
  });

  it('the same default in parentheses loads', async () => {
    const plan = await parsePlan(
      'p.yaml',
      'name: p\nphases:\n  expand:\n    - add_column: { table: t, column: { name: c, type: boolean, default: "(true OR false)" } }\n',
    );
    expect(compilePlan(plan).phases[0]!.steps[0]!.step).toMatchObject({
      sql: 'ALTER TABLE t ADD COLUMN c boolean DEFAULT (true OR false)',
    });
  });

  it('a multi-line fragment is pointed at inside its block scalar', async () => {
    const error = await refusal(
      '  expand:\n    - add_column:\n        table: t\n        column:\n          name: c\n          type: boolean\n          default: |-\n            true\n            OR false\n',
    );
    expect(error.problems[0]!.at).toMatchObject({ line: 11, col: 13 });
  });

  it.each(readdirSync('plans').filter((f) => f.endsWith('.yaml')))(
    'every statement of plans/%s parses',
    async (file) => {
      const plan = await parsePlan(file, readFileSync(`plans/${file}`, 'utf8'));
      const texts = compilePlan(plan).phases.flatMap((p) => p.steps.flatMap((s) => sqlTextsOf(postgres, s.step)));
      expect(texts.length).toBeGreaterThan(0);
      for (const sql of texts) expect(parseSql(sql).ok, sql).toBe(true);
    },
  );
});
