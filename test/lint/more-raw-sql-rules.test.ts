import { describe, expect, it } from 'vitest';
import { lint, rulesOf, sqlPlan } from './helpers.js';

/**
 * The raw-SQL rules added for the squawk yardstick: SQL that trips each (line and column of the
 * offending token; the SQL starts at line 6, column 11) and SQL that does the same thing safely.
 */
const cases: {
  rule: string;
  severity: 'error' | 'warning';
  phase?: 'expand' | 'migrate' | 'contract';
  extra?: string;
  settings?: string;
  err: string;
  at: [number, number];
  ok: string[];
}[] = [
  {
    rule: 'require-concurrent-reindex',
    severity: 'error',
    err: 'SELECT 1;\nREINDEX TABLE orders;',
    at: [7, 11],
    ok: [
      'REINDEX TABLE CONCURRENTLY orders',
      'REINDEX (CONCURRENTLY) INDEX idx_orders_a',
      'CREATE TABLE fresh (id int);\nREINDEX TABLE fresh;',
    ],
  },
  {
    rule: 'require-concurrent-detach-partition',
    severity: 'error',
    err: 'ALTER TABLE measurements DETACH PARTITION measurements_2019',
    at: [6, 36],
    ok: [
      'ALTER TABLE measurements DETACH PARTITION measurements_2019 CONCURRENTLY',
      'ALTER TABLE measurements DETACH PARTITION measurements_2019 FINALIZE',
    ],
  },
  {
    rule: 'disallowed-add-primary-key',
    severity: 'error',
    err: 'ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id)',
    at: [6, 34],
    ok: [
      'ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey',
      'CREATE TABLE fresh (id bigint);\nALTER TABLE fresh ADD PRIMARY KEY (id);',
    ],
  },
  {
    rule: 'require-timeout-settings',
    severity: 'error',
    err: "SET lock_timeout = '0';\nALTER TABLE orders ADD COLUMN note text;",
    at: [6, 11],
    ok: [
      "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
      'ALTER TABLE orders ADD COLUMN note text',
      'SET statement_timeout = 0',
    ],
  },
  {
    rule: 'prefer-jsonb',
    severity: 'warning',
    err: 'ALTER TABLE orders ADD COLUMN payload json',
    at: [6, 49],
    ok: ['ALTER TABLE orders ADD COLUMN payload jsonb', 'CREATE TABLE fresh (id bigint, doc jsonb)'],
  },
  {
    rule: 'prefer-bigint-over-int',
    severity: 'warning',
    err: 'CREATE TABLE invoices (\n  id serial PRIMARY KEY,\n  total numeric\n);',
    at: [7, 16],
    ok: [
      'CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, lines int)',
      'CREATE TABLE invoices (id bigserial, PRIMARY KEY (id))',
      'ALTER TABLE orders ADD COLUMN quantity integer',
    ],
  },
  {
    rule: 'prefer-timestamptz',
    severity: 'warning',
    err: 'ALTER TABLE orders ADD COLUMN shipped_at timestamp',
    at: [6, 52],
    ok: [
      'ALTER TABLE orders ADD COLUMN shipped_at timestamptz',
      'ALTER TABLE orders ADD COLUMN shipped_at timestamp with time zone',
      'ALTER TABLE orders ADD COLUMN shipped_on date',
    ],
  },
  {
    rule: 'ban-exclusion-constraint',
    severity: 'warning',
    err: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)',
    at: [6, 36],
    ok: ['CREATE TABLE bookings2 (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&))'],
  },
  {
    rule: 'ban-stored-generated-column',
    severity: 'warning',
    err: 'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (round(total * 100)) STORED',
    at: [6, 60],
    ok: [
      'ALTER TABLE orders ADD COLUMN total_cents bigint',
      'CREATE TABLE fresh (a int, b int GENERATED ALWAYS AS (a * 2) STORED)',
    ],
  },
  {
    rule: 'ban-drop-database',
    severity: 'error',
    phase: 'contract',
    err: 'DROP DATABASE legacy',
    at: [6, 11],
    ok: ['DROP TABLE IF EXISTS legacy_orders'],
  },
  {
    rule: 'prefer-robust-stmts',
    severity: 'warning',
    phase: 'contract',
    err: 'DROP INDEX CONCURRENTLY idx_orders_old',
    at: [6, 11],
    ok: [
      'DROP INDEX CONCURRENTLY IF EXISTS idx_orders_old',
      'CREATE INDEX CONCURRENTLY idx_orders_a ON orders (a)',
      'ALTER TABLE orders DROP COLUMN old_note',
    ],
  },
];

describe.each(cases)('$rule', ({ rule, severity, phase, err, at, ok }) => {
  it('flags the unsafe statement at its keyword', async () => {
    const findings = (await lint(sqlPlan(err, phase))).filter((f) => f.rule === rule);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect([finding?.at.line, finding?.at.col]).toEqual(at);
    expect(finding?.severity).toBe(severity);
    expect(finding?.stepId).toMatch(/^sql:/);
    expect(finding?.message.length).toBeGreaterThan(20);
    expect(finding?.help.length).toBeGreaterThan(20);
  });

  it.each(ok)('accepts %s', async (sql) => {
    expect(await rulesOf(sqlPlan(sql, phase))).not.toContain(rule);
  });
});

describe('recipes', () => {
  it('REINDEX: the same statement with CONCURRENTLY, in a non-transactional step', async () => {
    const [f] = await lint(sqlPlan('REINDEX (VERBOSE) INDEX idx_orders_a'));
    expect(f?.help).toContain(
      '- sql: { up: "REINDEX (VERBOSE) INDEX CONCURRENTLY idx_orders_a", transactional: false }',
    );
  });

  it('DETACH PARTITION: the detach alone, CONCURRENTLY', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE sales.measurements DETACH PARTITION sales.m2019'));
    expect(f?.help).toContain(
      '- sql: { up: "ALTER TABLE sales.measurements DETACH PARTITION sales.m2019 CONCURRENTLY", transactional: false }',
    );
  });

  it('ADD PRIMARY KEY: unique index CONCURRENTLY, set_not_null per column, then USING INDEX', async () => {
    const [f] = await lint(sqlPlan('ALTER TABLE events ADD PRIMARY KEY (tenant_id, id)'));
    expect(
      f?.help
        .split('\n')
        .map((l) => l.trim())
        .slice(1),
    ).toEqual([
      '- sql: { up: "CREATE UNIQUE INDEX CONCURRENTLY events_pkey ON events (tenant_id, id)", transactional: false }',
      '- set_not_null: { table: events, column: tenant_id }',
      '- set_not_null: { table: events, column: id }',
      '- sql: { up: "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey" }',
    ]);
    expect(await rulesOf(sqlPlan('ALTER TABLE events ADD COLUMN id bigint PRIMARY KEY'))).toContain(
      'disallowed-add-primary-key',
    );
  });

  it('lock_timeout turned off by RESET or SET … TO DEFAULT as well', async () => {
    expect(await rulesOf(sqlPlan('RESET lock_timeout;\nALTER TABLE orders ADD COLUMN note text;'))).toEqual([
      'require-timeout-settings',
    ]);
    expect(
      await rulesOf(sqlPlan('SET LOCAL lock_timeout TO DEFAULT;\nALTER TABLE orders ADD COLUMN note text;')),
    ).toEqual(['require-timeout-settings']);
    expect(await rulesOf(sqlPlan('SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN note text;'))).toEqual([
      'require-timeout-settings',
    ]);
  });

  it('plan lock_timeout: 0 flags each ACCESS EXCLUSIVE statement on an existing table, not the rest', async () => {
    const yaml = (sql: string) => sqlPlan(sql).replace('phases:', 'settings: { lock_timeout: 0 }\nphases:');
    const findings = await lint(
      yaml("UPDATE orders SET note = 'x' WHERE id = 1;\nALTER TABLE orders ADD COLUMN note text;"),
    );
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col])).toEqual([['require-timeout-settings', 8, 11]]);
    expect(findings[0]?.message).toContain('lock_timeout: 0');
    expect(await rulesOf(yaml('CREATE TABLE fresh (id bigint);\nALTER TABLE fresh ADD COLUMN note text;'))).toEqual([]);
    expect(await rulesOf(yaml('CREATE INDEX CONCURRENTLY idx_orders_a ON orders (a)'))).toEqual([]);
    expect(await rulesOf(yaml("SET LOCAL lock_timeout = '3s';\nALTER TABLE orders ADD COLUMN note text;"))).toEqual([]);
  });

  it('types: json[] and timestamp(3) in CREATE TABLE, a retype to json; int PK declared at table level', async () => {
    const sql =
      'CREATE TABLE audit (id int, at timestamp(3), tags json[], PRIMARY KEY (id));\nALTER TABLE orders ALTER COLUMN meta TYPE json;';
    const findings = await lint(sqlPlan(sql));
    expect(findings.map((f) => [f.rule, f.at.line, f.at.col])).toEqual([
      ['prefer-bigint-over-int', 6, 34],
      ['prefer-timestamptz', 6, 42],
      ['prefer-jsonb', 6, 61],
      ['changing-column-type', 7, 30],
      ['prefer-jsonb', 7, 53],
    ]);
    expect(findings[2]?.help).toContain('jsonb[]');
  });

  it('stored generated column: add_column, a trigger computing it over NEW, and a backfill', async () => {
    const [f] = await lint(
      sqlPlan('ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (round(total * 100)) STORED'),
    );
    expect(f?.help).toContain('- add_column: { table: orders, column: { name: total_cents, type: "bigint" } }');
    expect(f?.help).toContain('NEW.total_cents := round(NEW.total * 100); RETURN NEW;');
    expect(f?.help).toContain(
      '- backfill: { table: orders, set: { total_cents: "round(total * 100)" }, where: total_cents IS NULL }',
    );
  });

  it('prefer-robust-stmts: an unnamed CREATE INDEX CONCURRENTLY gets the name PostgreSQL would pick', async () => {
    const [f] = await lint(sqlPlan('CREATE INDEX CONCURRENTLY ON orders (customer_id, created_at)'));
    expect(f?.rule).toBe('prefer-robust-stmts');
    expect(f?.help).toContain(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx ON orders (customer_id, created_at)',
    );
  });
});
