import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { lintRules } from '../../src/lint/rules/index.js';
import { parsePlan } from '../../src/plan/load.js';
import { existsSync } from 'node:fs';
import { lint } from './helpers.js';

const where = async (yaml: string) => (await lint(yaml)).map((f) => [f.rule, f.at.line, f.at.col]);

describe('positions inside the SQL scalar', () => {
  it('a `up: |` block: line and column of the keyword, comments and blank lines counted', async () => {
    const yaml = [
      'name: t',
      'phases:',
      '  expand:',
      '    - sql:',
      '        up: |',
      '          -- build the lookup index',
      '',
      '          SELECT 1;',
      '          CREATE INDEX idx_orders_customer',
      '            ON orders (customer_id);',
      '          ALTER TABLE orders',
      '            ALTER COLUMN customer_id SET NOT NULL;',
    ].join('\n');
    expect(await where(yaml)).toEqual([
      ['require-concurrent-index-creation', 9, 11],
      ['adding-not-null-constraint', 12, 13],
    ]);
  });

  it('a single-line double-quoted string', async () => {
    const yaml =
      'name: t\nphases:\n  expand:\n    - sql: { up: "SELECT 1; ALTER TABLE orders ALTER COLUMN total TYPE bigint" }\n';
    //                                                    col 19 ^ ; the ALTER COLUMN is at offset 29
    expect(await where(yaml)).toEqual([['changing-column-type', 4, 48]]);
  });

  it('a single-quoted string and a plain scalar', async () => {
    expect(await where("name: t\nphases:\n  expand:\n    - sql: { up: 'CREATE INDEX i ON orders (a)' }\n")).toEqual([
      ['require-concurrent-index-creation', 4, 19],
    ]);
    expect(await where('name: t\nphases:\n  expand:\n    - sql:\n        up: CREATE INDEX i ON orders (a)\n')).toEqual([
      ['require-concurrent-index-creation', 5, 13],
    ]);
  });

  it('counts characters, not UTF-8 bytes, after non-ASCII text', async () => {
    const yaml = [
      'name: t',
      'phases:',
      '  expand:',
      '    - sql:',
      '        up: |',
      "          UPDATE orders SET note = 'übergröße'; ALTER TABLE orders ADD COLUMN tag uuid DEFAULT gen_random_uuid();",
    ].join('\n');
    const line = yaml.split('\n')[5] ?? '';
    expect(await where(yaml)).toEqual([['volatile-default', 6, line.indexOf('gen_random_uuid') + 1]]);
  });
});

describe('suppression: lint: { ignore, reason }', () => {
  const unsafe = '"CREATE INDEX idx_small ON lookup_codes (code)"';

  it('beside the operation key removes that finding only', async () => {
    const yaml = `name: t\nphases:\n  expand:\n    - sql: { up: ${unsafe} }\n      lint: { ignore: [require-concurrent-index-creation], reason: lookup_codes has 40 rows }\n    - sql: { up: ${unsafe.replace('idx_small', 'idx_other')} }\n`;
    expect(await where(yaml)).toEqual([['require-concurrent-index-creation', 6, 19]]);
  });

  it('inside the operation mapping works the same', async () => {
    const yaml = `name: t\nphases:\n  expand:\n    - sql:\n        up: ${unsafe}\n        lint: { ignore: [require-concurrent-index-creation], reason: lookup_codes has 40 rows }\n`;
    expect(await where(yaml)).toEqual([]);
  });

  it('needs a reason: without one the plan is invalid', async () => {
    const yaml = `name: t\nphases:\n  expand:\n    - sql: { up: ${unsafe} }\n      lint: { ignore: [require-concurrent-index-creation] }\n`;
    const error = await parsePlan('plan.yaml', yaml).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).problems[0]?.at.line).toBe(5);
  });

  it('an unknown rule id is an error of its own, at the id, with a suggestion; the finding stays', async () => {
    const yaml = `name: t\nphases:\n  expand:\n    - sql: { up: ${unsafe} }\n      lint:\n        ignore: [require-concurrent-index]\n        reason: small table\n`;
    const findings = await lint(yaml);
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col, f.severity])).toEqual([
      ['require-concurrent-index-creation', 4, 19, 'error'],
      ['unknown-lint-rule', 6, 18, 'error'],
    ]);
    const inside = `name: t\nphases:\n  expand:\n    - create_index:\n        table: orders\n        name: idx_a\n        columns: [a]\n        lint: { ignore: [no-such-rule], reason: testing }\n`;
    expect(await where(inside)).toEqual([['unknown-lint-rule', 8, 26]]);
    expect(findings[1]?.help).toMatch(
      /^did you mean `require-concurrent-index-creation` or `require-concurrent-index-deletion`\?/,
    );
  });
});

describe('the rule registry', () => {
  const RULES = lintRules(postgres.parser.lint.rules);

  it('ids are unique kebab-case, each with a docs page', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(rule.description.length).toBeGreaterThan(10);
      expect(existsSync(new URL(`../../docs/rules/${rule.id}.md`, import.meta.url)), `docs/rules/${rule.id}.md`).toBe(
        true,
      );
    }
  });

  it('a clean expand/migrate/contract plan has no findings', async () => {
    const yaml = `name: clean
phases:
  expand:
    - add_column: { table: orders, column: { name: customer_id, type: bigint }, sync_from: client_id }
    - create_index: { table: orders, name: idx_orders_customer_id, columns: [customer_id] }
  migrate:
    - backfill: { table: orders, set: { customer_id: client_id }, where: customer_id IS NULL }
    - check: { sql: "SELECT count(*) FROM orders WHERE customer_id IS NULL", expect: 0 }
    - set_not_null: { table: orders, column: customer_id }
  contract:
    - drop_column: { table: orders, column: client_id }
`;
    expect(await lint(yaml)).toEqual([]);
  });
});
