import { describe, expect, it } from 'vitest';
import { MSSQL_RULES } from '../../../src/dialects/mssql/lint/rules/index.js';
import type { Rule } from '../../../src/lint/types.js';
import { check } from './lint-support.js';

const rule = (id: string) => MSSQL_RULES.find((r) => r.id === id) as Rule;
const only = (id: string, sql: string) => {
  const findings = check(rule(id), sql);
  expect(findings).toHaveLength(1);
  return findings[0] as NonNullable<(typeof findings)[0]>;
};

describe('T-SQL lint: messages name the statement, help gives the T-SQL recipe', () => {
  it('offline index build: the lock, and the statement rewritten online before its filegroup', () => {
    const f = only('require-online-index-build', 'CREATE UNIQUE INDEX ix_a ON dbo.orders (a, b) ON [PRIMARY]');
    expect(f.message).toBe(
      'CREATE INDEX ix_a without ONLINE = ON holds an S lock (blocking writes) on dbo.orders for the whole build',
    );
    expect(f.help).toContain('  - create_index: { table: dbo.orders, name: ix_a, columns: [a, b], unique: true }');
    expect(f.help).toContain(
      '  - sql: { up: "CREATE UNIQUE INDEX ix_a ON dbo.orders (a, b) WITH (ONLINE = ON, RESUMABLE = ON, ' +
        'MAX_DURATION = 60) ON [PRIMARY]" }',
    );
  });

  it('offline index build: ONLINE = ON goes into an existing WITH (…); a clustered build takes Sch-M', () => {
    const f = only('require-online-index-build', 'CREATE CLUSTERED INDEX cx ON t (a DESC) WITH (FILLFACTOR = 90)');
    expect(f.message).toBe(
      'CREATE INDEX cx without ONLINE = ON holds a Sch-M lock (blocking reads and writes) on t for the whole build',
    );
    expect(f.help).toContain('columns: [<column>]');
    expect(f.help).toContain(
      '"CREATE CLUSTERED INDEX cx ON t (a DESC) WITH (ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 60, FILLFACTOR = 90)"',
    );
  });

  it('ADD PRIMARY KEY / UNIQUE without ONLINE = ON: the offline index build, and the online statement', () => {
    const f = only('require-online-index-build', 'ALTER TABLE orders ADD CONSTRAINT uq_ref UNIQUE (ref)');
    expect(f.message).toBe(
      'ALTER TABLE orders ADD CONSTRAINT uq_ref UNIQUE builds its index offline, holding a Sch-M lock on orders ' +
        '(blocking reads and writes) for the whole build',
    );
    expect(f.at.col).toBe(24);
    expect(f.help).toContain(
      '  - sql: { up: "ALTER TABLE orders ADD CONSTRAINT uq_ref UNIQUE (ref) WITH (ONLINE = ON)" }',
    );
    expect(f.help).toContain('  - add_unique: { table: orders, name: uq_ref, columns: [<column>] }');
    const ok = 'ALTER TABLE orders ADD CONSTRAINT pk PRIMARY KEY CLUSTERED (id) WITH (ONLINE = ON)';
    expect(check(rule('require-online-index-build'), ok)).toEqual([]);
    expect(
      check(rule('require-online-index-build'), 'CREATE TABLE f (id int);\nALTER TABLE f ADD PRIMARY KEY (id)'),
    ).toEqual([]);
  });

  it('constraint without NOCHECK: add WITH NOCHECK, then WITH CHECK CHECK CONSTRAINT', () => {
    const f = only('constraint-missing-nocheck', 'ALTER TABLE orders ADD CONSTRAINT ck_amount CHECK (amount > 0)');
    expect(f.message).toBe(
      'ALTER TABLE orders ADD CONSTRAINT ck_amount CHECK without WITH NOCHECK reads every existing row under a ' +
        'Sch-M lock (blocking reads and writes of orders) before it commits',
    );
    expect(f.help).toContain('  - add_check: { table: orders, name: ck_amount, expression: "<condition>" }');
    expect(f.help).toContain('  - sql: { up: "ALTER TABLE orders WITH CHECK CHECK CONSTRAINT ck_amount" }');
    const fk = only(
      'constraint-missing-nocheck',
      'ALTER TABLE orders WITH CHECK ADD FOREIGN KEY (c) REFERENCES p (id)',
    );
    expect(fk.help).toContain('the add_foreign_key operation does both');
  });

  it('ALTER COLUMN: change_type, set_not_null for NOT NULL, or ONLINE = ON', () => {
    const f = only('alter-column-offline', 'ALTER TABLE orders ALTER COLUMN amount decimal(12, 2) NOT NULL');
    expect(f.message).toBe(
      'ALTER TABLE orders ALTER COLUMN amount decimal(12, 2) holds a Sch-M lock on orders (blocking reads and ' +
        'writes) while it checks or rewrites every row (a new type, a shorter length, NOT NULL)',
    );
    expect(f.help).toContain('  - change_type: { table: orders, column: amount, type: "decimal(12, 2)" }');
    expect(f.help).toContain('  - set_not_null: { table: orders, column: amount }');
    expect(f.help).toContain(
      '  - sql: { up: "ALTER TABLE orders ALTER COLUMN amount decimal(12, 2) NOT NULL WITH (ONLINE = ON)" }',
    );
    expect(only('alter-column-offline', 'ALTER TABLE t ALTER COLUMN a int NULL').help).not.toContain('set_not_null');
  });

  it('UPDATE without TOP: the escalation, and the backfill with its set and where', () => {
    const f = only(
      'unbatched-dml',
      "UPDATE dbo.orders SET customer_id = client_id, note = N'a;b' WHERE customer_id IS NULL",
    );
    expect(f.message).toBe(
      'UPDATE dbo.orders without TOP changes every matching row in one statement: past about 5,000 row locks SQL ' +
        'Server escalates to an X lock on the whole of dbo.orders (blocking reads and writes) until the transaction ends',
    );
    expect(f.help).toContain(
      '  - backfill: { table: dbo.orders, set: { customer_id: "client_id", note: "N\'a;b\'" }, where: "customer_id IS NULL" }',
    );
  });

  it('DELETE without TOP: batches by key range', () => {
    const f = only('unbatched-dml', 'DELETE FROM orders WHERE archived = 1');
    expect(f.message).toMatch(/^DELETE orders without TOP changes every matching row/);
    expect(f.help).toContain(
      '  - sql: { up: "DELETE TOP (4000) FROM orders WHERE (archived = 1) AND <key> BETWEEN … AND …" }',
    );
  });

  it('sp_rename of a column or a table: rename_column / rename_table', () => {
    const c = only('renaming-column', "EXEC sp_rename N'dbo.orders.client_id', N'customer_id', N'COLUMN'");
    expect(c.message).toBe(
      'EXEC sp_rename renames dbo.orders.client_id to customer_id at once (Sch-M on dbo.orders): every running ' +
        'application instance that still uses client_id breaks',
    );
    expect(c.help).toContain(
      '  - rename_column: { table: dbo.orders, from: client_id, to: customer_id, type: <current type of client_id> }',
    );
    const t = only('renaming-table', "EXEC sp_rename N'sales.orders', N'purchases'");
    expect(t.help).toContain('  - rename_table: { from: sales.orders, to: sales.purchases }');
  });

  it('NOT NULL without default: nullable, backfill, set_not_null; or a runtime-constant default', () => {
    const f = only('adding-required-field', 'ALTER TABLE orders ADD region nvarchar(20) NOT NULL');
    expect(f.message).toBe(
      'ALTER TABLE orders ADD region nvarchar(20) NOT NULL without a DEFAULT fails on a table with rows (error ' +
        '4901), and the running application cannot insert rows without it',
    );
    expect(f.help).toContain('    - add_column: { table: orders, column: { name: region, type: "nvarchar(20)" } }');
    expect(f.help).toContain('CONSTRAINT DF_orders_region DEFAULT (<constant>) WITH VALUES');
  });

  it('a default that is not a runtime constant, IDENTITY, or a LOB default writes every row', () => {
    const f = only('volatile-default', 'ALTER TABLE orders ADD token uniqueidentifier NOT NULL DEFAULT NEWID()');
    expect(f.message).toBe(
      'ALTER TABLE orders ADD token writes every row of orders under a Sch-M lock (blocking reads and writes): ' +
        'NEWID() is not a runtime constant: each row gets its own value',
    );
    expect(f.help).toContain('ALTER TABLE orders ADD CONSTRAINT DF_orders_token DEFAULT (NEWID()) FOR token');
    expect(only('volatile-default', 'ALTER TABLE t ADD n bigint IDENTITY(1, 1)').message).toMatch(
      /an IDENTITY column gets a value in every row$/,
    );
    expect(only('volatile-default', "ALTER TABLE t ADD d nvarchar(max) NOT NULL DEFAULT N''").message).toMatch(
      /nvarchar\(max\) is a LOB type: its default is written into every row$/,
    );
  });
});
