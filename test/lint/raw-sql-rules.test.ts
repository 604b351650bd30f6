import { describe, expect, it } from 'vitest';
import { lint, rulesOf, sqlPlan } from './helpers.js';

/**
 * Each raw-SQL rule: SQL that trips it (with the line and column of the offending keyword, the SQL
 * starting at line 6, column 11 of the plan) and SQL that does the same thing safely.
 */
const cases: {
  rule: string;
  phase?: 'expand' | 'migrate' | 'contract';
  err: string;
  at: [number, number];
  ok: string[];
}[] = [
  {
    rule: 'require-concurrent-index-creation',
    err: 'SELECT 1;\nCREATE UNIQUE INDEX idx_orders_a ON orders (a);',
    at: [7, 11],
    ok: [
      'CREATE INDEX CONCURRENTLY idx_orders_a ON orders (a)',
      'CREATE TABLE fresh (id int);\nCREATE INDEX fresh_id ON fresh (id);',
    ],
  },
  {
    rule: 'require-concurrent-index-deletion',
    phase: 'contract',
    err: 'DROP INDEX IF EXISTS idx_orders_a',
    at: [6, 11],
    ok: ['DROP INDEX CONCURRENTLY IF EXISTS idx_orders_a'],
  },
  {
    rule: 'constraint-missing-not-valid',
    err: 'ALTER TABLE orders\n  ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);',
    at: [7, 17],
    ok: [
      'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID',
      'ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID',
      'CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD CONSTRAINT id_positive CHECK (id > 0);',
    ],
  },
  {
    rule: 'adding-not-null-constraint',
    err: 'ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL',
    at: [6, 30],
    ok: [
      'ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL',
      'CREATE TABLE fresh (id int);\nALTER TABLE fresh ALTER COLUMN id SET NOT NULL;',
    ],
  },
  {
    rule: 'adding-required-field',
    err: 'ALTER TABLE orders ADD COLUMN status text NOT NULL',
    at: [6, 53],
    ok: [
      "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new'",
      'ALTER TABLE orders ADD COLUMN status text',
    ],
  },
  {
    rule: 'volatile-default',
    err: 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()',
    at: [6, 60],
    ok: [
      'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now()',
      "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new'",
      'ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid()',
    ],
  },
  {
    rule: 'changing-column-type',
    err: 'ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2)',
    at: [6, 30],
    ok: [
      'ALTER TABLE orders ALTER COLUMN amount SET DEFAULT 0',
      'CREATE TABLE fresh (id int);\nALTER TABLE fresh ALTER COLUMN id TYPE bigint;',
    ],
  },
  {
    rule: 'renaming-column',
    err: 'ALTER TABLE orders RENAME COLUMN client_id TO customer_id',
    at: [6, 30],
    ok: ['ALTER TABLE orders RENAME CONSTRAINT a TO b'],
  },
  {
    rule: 'renaming-table',
    err: 'ALTER TABLE orders RENAME TO purchases',
    at: [6, 30],
    ok: [
      'ALTER INDEX idx_a RENAME TO idx_b',
      'ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW orders AS SELECT * FROM purchases;',
    ],
  },
  {
    rule: 'disallowed-unique-constraint',
    err: 'ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code)',
    at: [6, 34],
    ok: ['ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_key'],
  },
  {
    rule: 'destructive-outside-contract',
    phase: 'migrate',
    err: 'DROP TABLE IF EXISTS orders_old',
    at: [6, 11],
    ok: ['CREATE TABLE scratch (id int);\nDROP TABLE scratch;'],
  },
];

describe.each(cases)('$rule', ({ rule, phase, err, at, ok }) => {
  it('flags the unsafe statement at its keyword', async () => {
    const findings = (await lint(sqlPlan(err, phase))).filter((f) => f.rule === rule);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect([finding?.at.line, finding?.at.col]).toEqual(at);
    expect(finding?.severity).toBe('error');
    expect(finding?.stepId).toMatch(/^sql:/);
    expect(finding?.message.length).toBeGreaterThan(20);
    expect(finding?.help.length).toBeGreaterThan(20);
  });

  it.each(ok)('accepts %s', async (sql) => {
    expect(await rulesOf(sqlPlan(sql, phase))).not.toContain(rule);
  });
});

describe('recipes name the real objects', () => {
  it('CREATE INDEX: create_index with the same table, name and columns, or the CONCURRENTLY statement', async () => {
    const [f] = await lint(sqlPlan('CREATE INDEX idx_orders_a ON orders (a, b)'));
    expect(f?.help).toContain('- create_index: { table: orders, name: idx_orders_a, columns: [a, b] }');
    expect(f?.help).toContain(
      '- sql: { up: "CREATE INDEX CONCURRENTLY idx_orders_a ON orders (a, b)", transactional: false }',
    );
  });

  it('SET NOT NULL: set_not_null, or CHECK NOT VALID → VALIDATE → SET NOT NULL → drop the CHECK', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE sales.orders ALTER COLUMN "Customer" SET NOT NULL'));
    expect(f?.message).toContain('sales.orders.Customer');
    expect(f?.help.split('\n').map((l) => l.trim())).toEqual([
      'use the set_not_null operation: PostgreSQL 12+ skips the scan when a validated CHECK already proves it',
      '- set_not_null: { table: sales.orders, column: Customer }',
      'or by hand, each statement in its own step:',
      'ALTER TABLE sales.orders ADD CONSTRAINT "orders_Customer_not_null" CHECK ("Customer" IS NOT NULL) NOT VALID;',
      'ALTER TABLE sales.orders VALIDATE CONSTRAINT "orders_Customer_not_null";',
      'ALTER TABLE sales.orders ALTER COLUMN "Customer" SET NOT NULL;',
      'ALTER TABLE sales.orders DROP CONSTRAINT "orders_Customer_not_null";',
    ]);
  });

  it('volatile default: add_column without it, SET DEFAULT, backfill with the same expression', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE orders ADD COLUMN token text DEFAULT md5(random()::text) NOT NULL'));
    expect(f?.rule).toBe('volatile-default');
    expect(f?.message).toContain('random()');
    expect(f?.help).toContain('- add_column: { table: orders, column: { name: token, type: "text" } }');
    expect(f?.help).toContain('- sql: { up: "ALTER TABLE orders ALTER COLUMN token SET DEFAULT md5(random()::text)" }');
    expect(f?.help).toContain(
      '- backfill: { table: orders, set: { token: "md5(random()::text)" }, where: token IS NULL }',
    );
  });

  it('serial and identity columns count as volatile defaults', async () => {
    expect(await rulesOf(sqlPlan('ALTER TABLE orders ADD COLUMN seq bigserial'))).toEqual(['volatile-default']);
    expect(await rulesOf(sqlPlan('ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY'))).toEqual([
      'volatile-default',
    ]);
  });

  it('type change: change_type with type and using', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE orders ALTER COLUMN code TYPE integer USING code::integer'));
    expect(f?.help).toContain(
      '- change_type: { table: orders, column: code, type: "integer", using: "code::integer" }',
    );
  });

  it('rename column: rename_column from/to', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE orders RENAME client_id TO customer_id'));
    expect(f?.rule).toBe('renaming-column');
    expect(f?.help).toContain(
      '- rename_column: { table: orders, from: client_id, to: customer_id, type: <current type of client_id> }',
    );
  });

  it('unique: add_unique with the constraint columns; a column-level UNIQUE is flagged too', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE orders ADD UNIQUE (code, region)'));
    expect(f?.help).toContain('- add_unique: { table: orders, name: orders_code_region_key, columns: [code, region] }');
    expect(await rulesOf(sqlPlan('ALTER TABLE orders ADD COLUMN code text UNIQUE'))).toEqual([
      'disallowed-unique-constraint',
    ]);
  });

  it('DROP COLUMN outside contract: drop_column under contract', async () => {
    const findings = await lint(sqlPlan('ALTER TABLE orders DROP COLUMN client_id'));
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col])).toEqual([['destructive-outside-contract', 6, 30]]);
    expect(findings[0]?.help).toContain('- drop_column: { table: orders, column: client_id }');
    expect(await rulesOf(sqlPlan('ALTER TABLE orders DROP COLUMN client_id', 'contract'))).toEqual([]);
  });

  it('TRUNCATE outside contract is destructive', async () => {
    expect(await rulesOf(sqlPlan('TRUNCATE orders_archive', 'expand'))).toEqual(['destructive-outside-contract']);
    expect(await rulesOf(sqlPlan('TRUNCATE orders_archive', 'contract'))).toEqual([]);
  });
});

describe('constraint-missing-not-valid: VALIDATE in the transaction that added it NOT VALID', () => {
  const addThenValidate =
    'ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT amount_positive;';

  it('is flagged when both run in one transaction', async () => {
    const findings = await lint(sqlPlan(addThenValidate));
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col])).toEqual([['constraint-missing-not-valid', 7, 30]]);
  });

  it('is accepted with transactional: false (each statement commits on its own)', async () => {
    expect(await rulesOf(sqlPlan(addThenValidate, 'expand', '        transactional: false\n'))).toEqual([]);
  });
});

describe('several findings in one statement', () => {
  it('are each placed at their own subcommand', async () => {
    const sql = [
      'ALTER TABLE orders',
      '  ALTER COLUMN a SET NOT NULL,',
      '  ADD COLUMN b int NOT NULL,',
      '  ALTER COLUMN c TYPE bigint;',
    ].join('\n');
    expect((await lint(sqlPlan(sql))).map((f) => [f.rule, f.at.line, f.at.col])).toEqual([
      ['adding-not-null-constraint', 7, 13],
      ['adding-required-field', 8, 30],
      ['changing-column-type', 9, 13],
    ]);
  });
});
