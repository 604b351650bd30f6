import { describe, expect, it } from 'vitest';
import { MSSQL_RULES } from '../../../src/dialects/mssql/lint/rules/index.js';
import type { Rule } from '../../../src/lint/types.js';
import { check } from './lint-support.js';

const rule = (id: string) => MSSQL_RULES.find((r) => r.id === id) as Rule;

/** Each rule: SQL that trips it (with the column of the finding) and SQL that does the same thing safely. */
const cases: { id: string; err: string; col: number; ok: string[] }[] = [
  {
    id: 'require-online-index-build',
    err: "SELECT ';';\nCREATE UNIQUE INDEX ix_a ON dbo.orders (a)",
    col: 13,
    ok: [
      'CREATE INDEX ix_a ON orders (a) WITH (ONLINE = ON)',
      'CREATE TABLE fresh (id int);\nCREATE INDEX ix_id ON fresh (id)',
      'CREATE INDEX ix_a ON #work (a)',
    ],
  },
  {
    id: 'constraint-missing-nocheck',
    err: 'ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (c) REFERENCES customers (id)',
    col: 24,
    ok: [
      'ALTER TABLE orders WITH NOCHECK ADD CONSTRAINT fk_c FOREIGN KEY (c) REFERENCES customers (id)',
      'ALTER TABLE orders WITH CHECK CHECK CONSTRAINT fk_c',
      'ALTER TABLE orders ADD CONSTRAINT df_a DEFAULT (0) FOR a',
      'CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD CONSTRAINT ck CHECK (id > 0)',
    ],
  },
  {
    id: 'alter-column-offline',
    err: 'ALTER TABLE orders ALTER COLUMN amount decimal(12, 2) NOT NULL',
    col: 20,
    ok: [
      'ALTER TABLE orders ALTER COLUMN amount decimal(12, 2) NOT NULL WITH (ONLINE = ON)',
      "ALTER TABLE orders ALTER COLUMN amount ADD MASKED WITH (FUNCTION = N'default()')",
    ],
  },
  {
    id: 'unbatched-dml',
    err: "UPDATE dbo.orders SET customer_id = client_id, note = N'a;b' WHERE customer_id IS NULL",
    col: 1,
    ok: [
      'UPDATE TOP (1000) orders SET customer_id = client_id WHERE customer_id IS NULL',
      'DELETE TOP (1000) FROM orders WHERE archived = 1',
      'UPDATE #work SET a = 1',
      'UPDATE @rows SET a = 1',
      'CREATE TABLE fresh (id int);\nUPDATE fresh SET id = 1',
    ],
  },
  {
    id: 'renaming-column',
    err: "SET NOCOUNT ON;\nEXEC sp_rename N'dbo.orders.client_id', N'customer_id', N'COLUMN'",
    col: 17,
    ok: ["EXEC sp_rename N'dbo.orders.ix_old', N'ix_new', N'INDEX'"],
  },
  {
    id: 'renaming-table',
    err: "EXECUTE sys.sp_rename @objname = N'orders', @newname = N'purchases'",
    col: 1,
    ok: ["EXEC sp_rename N'orders.client_id', N'customer_id', 'COLUMN'"],
  },
  {
    id: 'adding-required-field',
    err: 'ALTER TABLE orders ADD region nvarchar(20) NOT NULL',
    col: 24,
    ok: [
      'ALTER TABLE orders ADD region nvarchar(20) NULL',
      "ALTER TABLE orders ADD region nvarchar(20) NOT NULL CONSTRAINT df_r DEFAULT (N'eu') WITH VALUES",
      'CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD region int NOT NULL',
    ],
  },
  {
    id: 'volatile-default',
    err: 'ALTER TABLE orders ADD token uniqueidentifier NOT NULL DEFAULT NEWID()',
    col: 24,
    ok: [
      'ALTER TABLE orders ADD token uniqueidentifier NULL DEFAULT NEWID()',
      'ALTER TABLE orders ADD created datetime2 NOT NULL DEFAULT (SYSUTCDATETIME())',
    ],
  },
];

describe('T-SQL lint rules: err and ok', () => {
  it('lists every rule once, each with a kebab-case id and a description', () => {
    // sync-trigger-output-clause looks at the triggers a plan enables, not at raw SQL (test/lint/sync-trigger-output-clause.test.ts).
    const rawSqlRules = MSSQL_RULES.map((r) => r.id).filter((id) => id !== 'sync-trigger-output-clause');
    expect(rawSqlRules).toEqual(cases.map((c) => c.id).sort((a, b) => order(a) - order(b)));
    for (const r of MSSQL_RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(r.description.length).toBeGreaterThan(10);
    }
  });

  for (const c of cases) {
    it(`${c.id}: finds the statement, at its keyword`, () => {
      const findings = check(rule(c.id), c.err);
      expect(findings.map((f) => [f.rule, f.at.line, f.at.col, f.stepId])).toEqual([[c.id, 1, c.col, 'sql#1']]);
    });
    it(`${c.id}: leaves the safe version alone`, () => {
      for (const ok of c.ok) expect(check(rule(c.id), ok), ok).toEqual([]);
    });
  }
});

function order(id: string): number {
  return MSSQL_RULES.findIndex((r) => r.id === id);
}
