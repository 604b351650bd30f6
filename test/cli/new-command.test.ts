/** `schemashift new`: fills a template, validates it like `validate`, writes plans/<name>.yaml. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { captureIo } from '../support/capture-io.js';

const RENAME = [
  'rename-column',
  '--table',
  'orders',
  '--column',
  'client_id',
  '--to',
  'customer_id',
  '--type',
  'bigint',
];

function project(): string {
  return mkdtempSync(join(tmpdir(), 'schemashift-new-'));
}

async function run(cwd: string, args: string[]) {
  const io = captureIo(cwd);
  const code = await main(['new', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('schemashift new', () => {
  it('writes plans/<name>.yaml, prints its path and the next command, and the plan loads', async () => {
    const cwd = project();
    const { code, out, err } = await run(cwd, [...RENAME, '--name', 'rename-orders-client-id']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(
      'wrote plans/rename-orders-client-id.yaml (template rename-column)\n  next: schemashift plan plans/rename-orders-client-id.yaml\n',
    );
    const text = readFileSync(join(cwd, 'plans/rename-orders-client-id.yaml'), 'utf8');
    expect(text).toContain(
      '# Written by `schemashift new rename-column --name rename-orders-client-id --table orders --column client_id --to customer_id --type bigint`',
    );
    expect(text).toContain('description: orders.client_id becomes customer_id\n');
    expect(text).not.toContain('{{');
    const plan = await loadPlanFile('plans/rename-orders-client-id.yaml', cwd);
    expect(plan.entries.map((e) => [e.kind, e.spec])).toEqual([
      [
        'rename_column',
        expect.objectContaining({ table: 'orders', from: 'client_id', to: 'customer_id', type: 'bigint' }),
      ],
    ]);
  });

  it('names the plan after the template and its target when --name is left out; --out picks the folder', async () => {
    const cwd = project();
    const { code, out } = await run(cwd, [
      'add-index',
      '--table',
      'sales.orders',
      '--columns',
      'customer_id,created_at',
      '--out',
      'db/plans',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('wrote db/plans/add-index-orders-customer-id-created-at.yaml');
    expect(existsSync(join(cwd, 'db/plans/add-index-orders-customer-id-created-at.yaml'))).toBe(true);
  });

  it('--column names the one column of a template that takes a list (add-index, add-unique)', async () => {
    const cwd = project();
    const { code, out } = await run(cwd, ['add-unique', '--table', 'orders', '--column', 'code']);
    expect(code).toBe(0);
    expect(out).toContain('wrote plans/add-unique-orders-code.yaml');
    const plan = await loadPlanFile('plans/add-unique-orders-code.yaml', cwd);
    expect(plan.entries.map((e) => [e.kind, e.spec])).toContainEqual([
      'add_unique',
      expect.objectContaining({ table: 'orders', columns: ['code'] }),
    ]);
  });

  it('refuses to overwrite an existing file without --force (exit 2, file unchanged)', async () => {
    const cwd = project();
    expect((await run(cwd, [...RENAME, '--name', 'rename'])).code).toBe(0);
    const file = join(cwd, 'plans/rename.yaml');
    writeFileSync(file, '# mine\n');
    const again = await run(cwd, [...RENAME, '--name', 'rename']);
    expect(again.code).toBe(2);
    expect(again.err).toContain('plans/rename.yaml already exists; nothing was written');
    expect(again.err).toContain('help: pass --force to overwrite it');
    expect(readFileSync(file, 'utf8')).toBe('# mine\n');
    expect((await run(cwd, [...RENAME, '--name', 'rename', '--force'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('rename_column:');
  });

  it('exits 2 naming every missing option', async () => {
    const { code, err } = await run(project(), ['rename-column', '--table', 'orders']);
    expect(code).toBe(2);
    expect(err).toContain('template rename-column needs --column C, --to C2, --type T (missing)');
    expect(err).toContain('help: e.g. schemashift new rename-column --table T --column C --to C2 --type T');
  });

  it.each([
    [
      ['--table', 'orders; drop', '--column', 'client_id', '--to', 'customer_id', '--type', 'bigint'],
      '--table: `orders; drop` is not a valid table name',
    ],
    [
      ['--table', 'orders', '--column', 'client id', '--to', 'customer_id', '--type', 'bigint'],
      '--column: `client id` is not a valid identifier',
    ],
    [
      ['--table', 'orders', '--column', 'client_id', '--to', 'customer_id', '--type', 'bigint; DROP TABLE orders'],
      '--type: `bigint; DROP TABLE orders` is not a SQL type',
    ],
  ])('exits 2 on an invalid value and writes nothing: %j', async (options, message) => {
    const cwd = project();
    const { code, err } = await run(cwd, ['rename-column', ...options]);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(existsSync(join(cwd, 'plans'))).toBe(false);
  });

  it('exits 2 on a malformed --references, an option the template does not use, or SQL that does not parse', async () => {
    const cwd = project();
    const fk = await run(cwd, [
      'add-foreign-key',
      '--table',
      'orders',
      '--column',
      'customer_id',
      '--references',
      'customers',
    ]);
    expect(fk.code).toBe(2);
    expect(fk.err).toContain('--references customers: expected TABLE.COLUMN, e.g. customers.id');
    const extra = await run(cwd, [
      'add-index',
      '--table',
      'orders',
      '--columns',
      'created_at',
      '--column',
      'created_at',
    ]);
    expect(extra.code).toBe(2);
    expect(extra.err).toContain('template add-index does not use --column');
    expect(extra.err).toContain('help: it takes --table T --columns a,b');
    const view = await run(cwd, [
      'replace-materialized-view',
      '--view',
      'daily_sales',
      '--columns',
      'day',
      '--query',
      'SELEC day FROM orders',
    ]);
    expect(view.code).toBe(2);
    expect(view.err).toContain('--query: SQL query does not parse: syntax error at or near "SELEC"');
    expect(existsSync(join(cwd, 'plans'))).toBe(false);
  });

  it('does not write a plan the loader rejects (exit 2)', async () => {
    const cwd = project();
    const { code, err } = await run(cwd, [
      'rename-column',
      '--table',
      'orders',
      '--column',
      'client_id',
      '--to',
      'client_id',
      '--type',
      'bigint',
    ]);
    expect(code).toBe(2);
    expect(err).toContain('`from` and `to` are both client_id');
    expect(err).toContain(
      'the plan from template rename-column is invalid, so plans/rename-column-orders-client-id.yaml was not written',
    );
    expect(existsSync(join(cwd, 'plans'))).toBe(false);
  });

  it('quotes names that need it in the SQL it writes (the values are substituted into parsed YAML, never spliced into its text)', async () => {
    const cwd = project();
    expect(
      (await run(cwd, ['add-unique', '--table', 'Order', '--columns', 'user,Email', '--name', 'unique-order'])).code,
    ).toBe(0);
    const plan = await loadPlanFile('plans/unique-order.yaml', cwd);
    expect(plan.entries[0]?.spec).toMatchObject({
      sql: 'SELECT count(*) FROM (SELECT 1 FROM "Order" WHERE "user" IS NOT NULL AND "Email" IS NOT NULL GROUP BY "user", "Email" HAVING count(*) > 1) AS duplicates',
    });
    expect(plan.entries[1]?.spec).toMatchObject({
      table: 'Order',
      name: 'Order_user_Email_key',
      columns: ['user', 'Email'],
    });
  });

  it('exits 2 on an unknown template, suggesting the closest', async () => {
    const { code, err } = await run(project(), ['rename-colum', '--table', 'orders']);
    expect(code).toBe(2);
    expect(err).toContain('no template named rename-colum');
    expect(err).toContain('did you mean `rename-column`?');
  });

  it('--list shows every template with the options it needs', async () => {
    const { code, out } = await run(project(), ['--list']);
    expect(code).toBe(0);
    expect(out).toMatch(/^templates \(schemashift new TEMPLATE/);
    expect(out).toMatch(/rename-column +--table T --column C --to C2 --type T\n/);
    expect(out).toMatch(/add-not-null-column +--table T --column C --type T --expression SQL\n/);
    expect(out).toMatch(/change-type +--table T --column C --type T\n/);
    expect(out).toMatch(/add-foreign-key +--table T --column C --references T\.C\n/);
    expect(out).toMatch(/add-unique +--table T --columns a,b\n/);
    expect(out).toMatch(/add-index +--table T --columns a,b\n/);
    expect(out).toMatch(/replace-materialized-view +--view V --query SQL --columns a,b\n/);
  });
});
