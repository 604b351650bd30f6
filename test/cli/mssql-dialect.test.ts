/**
 * `dialect: mssql` through the CLI, without a SQL Server: plans validate and print in T-SQL, unsafe
 * raw T-SQL and hostile fragments are refused with the safe way, `new --dialect mssql` writes a plan
 * that validates, `test` asks for a SQL Server (--database sqlserver://…) and refuses what is PostgreSQL's
 * (--container, --schema-from), and `validate --database` refuses before reading anything.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const dir = mkdtempSync(join(tmpdir(), 'schemashift-mssql-'));

function planFile(name: string, steps: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ndialect: mssql\nphases:\n${steps}`);
  return file;
}

async function cli(args: string[]) {
  const io = captureIo(dir);
  const code = await main(args, io);
  return { code, out: io.stdout() + io.stderr() };
}

describe('dialect: mssql through the CLI', () => {
  it("plan prints the seed's rename in T-SQL, each step with its SQL Server lock", async () => {
    const { code, out } = await cli(['plan', join(process.cwd(), 'examples/mssql/rename-orders-client-id.yaml')]);
    expect(code, out).toBe(0);
    expect(out).toContain(
      'CREATE OR ALTER TRIGGER [schemashift_sync_orders_customer_id] ON [orders] AFTER INSERT, UPDATE',
    );
    expect(out).toContain('WITH (ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 240 MINUTES)');
    expect(out).toContain('ALTER TABLE [orders] WITH NOCHECK ADD CONSTRAINT [fk_orders_customer_id]');
    expect(out).toContain('ALTER TABLE [orders] WITH CHECK CHECK CONSTRAINT [fk_orders_customer_id]');
    expect(out).toMatch(/lock IX on orders · backfill/);
    expect(out).toContain('one transaction per batch, checkpoint committed with it');
    expect(out).toContain('ALTER TABLE [orders] DROP COLUMN IF EXISTS [client_id]');
    expect(out).not.toMatch(/ACCESS EXCLUSIVE|SHARE UPDATE EXCLUSIVE|CONCURRENTLY/);
  });

  it('validate refuses an offline index build in raw T-SQL and shows the online recipe', async () => {
    const file = planFile(
      'raw-index',
      '  expand:\n    - sql: { up: "CREATE INDEX ix_orders_total ON orders (total)", down: "DROP INDEX ix_orders_total ON orders" }\n',
    );
    const { code, out } = await cli(['validate', file]);
    expect(code, out).toBe(1);
    expect(out).toMatch(/require-online-index-build/);
    expect(out).toMatch(/ONLINE = ON/);
  });

  it('validate refuses a constraint added WITH CHECK and an ALTER COLUMN in raw T-SQL', async () => {
    const file = planFile(
      'raw-alter',
      '  expand:\n    - sql: { up: "ALTER TABLE orders ADD CONSTRAINT ck_total CHECK (total >= 0)", down: "ALTER TABLE orders DROP CONSTRAINT ck_total" }\n' +
        '    - sql: { up: "ALTER TABLE orders ALTER COLUMN total bigint NOT NULL", down: "ALTER TABLE orders ALTER COLUMN total int NULL" }\n',
    );
    const { code, out } = await cli(['validate', file]);
    expect(code, out).toBe(1);
    expect(out).toMatch(/constraint-missing-nocheck/);
    expect(out).toMatch(/WITH NOCHECK/);
    expect(out).toMatch(/alter-column-offline/);
  });

  it.each([
    ['a statement after the condition', 'customer_id IS NULL); DROP TABLE orders; --'],
    ['a line comment swallowing what follows', 'customer_id IS NULL --'],
    ['a PostgreSQL spelling', 'customer_id IS DISTINCT FROM client_id'],
    ['a value where a condition goes', 'customer_id + 1'],
  ])('a backfill where with %s is refused (exit 2), nothing printed as SQL', async (_why, where) => {
    const file = planFile(
      'hostile',
      `  migrate:\n    - backfill: { table: orders, set: { customer_id: client_id }, where: ${JSON.stringify(where)} }\n`,
    );
    const { code, out } = await cli(['plan', file]);
    expect(code, out).toBe(2);
    expect(out).not.toContain('UPDATE [orders]');
  });

  it('set_not_null before contract on a column a sync trigger fills is refused (rule not-null-while-synced)', async () => {
    const file = planFile(
      'synced-not-null',
      '  expand:\n    - add_column: { table: orders, column: { name: customer_id, type: bigint }, sync_from: client_id }\n' +
        '  migrate:\n    - backfill: { table: orders, set: { customer_id: client_id }, where: customer_id IS NULL }\n' +
        '    - set_not_null: { table: orders, column: customer_id }\n',
    );
    const { code, out } = await cli(['validate', file]);
    expect(code, out).toBe(1);
    expect(out).toMatch(/not-null-while-synced/);
    expect(out).toMatch(/contract:\n.*set_not_null: \{ table: orders, column: customer_id \}/);
  });

  it('new --dialect mssql writes a plan that declares the dialect and validates', async () => {
    const project = mkdtempSync(join(tmpdir(), 'schemashift-mssql-new-'));
    const io = captureIo(project);
    const code = await main(
      ['new', 'add-index', '--table', 'orders', '--columns', 'customer_id', '--dialect', 'mssql'],
      io,
    );
    expect(code, io.stderr()).toBe(0);
    const file = join(project, 'plans/add-index-orders-customer-id.yaml');
    expect(readFileSync(file, 'utf8')).toMatch(/^description: .*\ndialect: mssql$/m);
    const plan = captureIo(project);
    expect(await main(['plan', file], plan), plan.stderr()).toBe(0);
    expect(plan.stdout()).toContain('CREATE NONCLUSTERED INDEX [idx_orders_customer_id] ON [orders] ([customer_id])');
  });

  it('test needs --database sqlserver://… and refuses --container, --schema-from; validate --database refuses (exit 2, nothing read)', async () => {
    const plan = join(process.cwd(), 'examples/mssql/add-check-constraint.yaml');
    const seed = join(dir, 'seed.sql');
    writeFileSync(seed, 'CREATE TABLE orders (id int PRIMARY KEY, total int);');
    const noServer = await cli(['test', plan, '--seed', seed]);
    expect(noServer.code, noServer.out).toBe(2);
    expect(noServer.out).toMatch(
      /is for SQL Server \(dialect: mssql\), which rehearses on scratch databases of a SQL Server/,
    );
    expect(noServer.out).toContain('--database sqlserver://');
    const postgresServer = await cli([
      'test',
      plan,
      '--seed',
      seed,
      '--database',
      'postgres://nobody@127.0.0.1:1/none',
    ]);
    expect(postgresServer.code, postgresServer.out).toBe(2);
    expect(postgresServer.out).toMatch(/--database postgres:\/\/nobody@127\.0\.0\.1:1\/none is not a SQL Server/);
    expect(postgresServer.out).toContain('--database sqlserver://');
    const container = await cli(['test', plan, '--seed', seed, '--container']);
    expect(container.code, container.out).toBe(2);
    expect(container.out).toMatch(/--container starts a PostgreSQL container/);
    const schemaFrom = await cli([
      'test',
      plan,
      '--schema-from',
      'sqlserver://sa@127.0.0.1:1/db',
      '--database',
      'sqlserver://sa@127.0.0.1:1/master',
    ]);
    expect(schemaFrom.code, schemaFrom.out).toBe(2);
    expect(schemaFrom.out).toMatch(/--schema-from reads PostgreSQL structures only/);
    expect(schemaFrom.out).toContain('--seed seed.sql');
    const simulate = await cli(['validate', plan, '--database', 'postgres://nobody@127.0.0.1:1/none']);
    expect(simulate.code, simulate.out).toBe(2);
    expect(simulate.out).toMatch(/simulates plans on PostgreSQL only; .* nothing was read/);
  });
});
