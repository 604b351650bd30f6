/**
 * Every plan template in templates/: filled in by `schemashift new` with sample options, the plan
 * loads, lints clean, `plan` shows the expected SQL — and, on real PostgreSQL, `schemashift test`
 * rehearses it (forward and rollback) on sample data.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TEMPLATES_DIR } from '../../src/cli/new-command.js';
import { lintPlan } from '../../src/lint/lint-plan.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl } from '../support/databases.js';

const SHOP = new URL('./fixtures/shop.sql', import.meta.url).pathname;

const SAMPLES: Record<string, { options: string[]; sql: string[] }> = {
  'rename-column': {
    options: ['--table', 'orders', '--column', 'client_id', '--to', 'buyer_id', '--type', 'bigint'],
    sql: [
      'ALTER TABLE orders ADD COLUMN buyer_id bigint;',
      'CREATE TRIGGER schemashift_sync_orders_buyer_id BEFORE INSERT OR UPDATE ON orders',
      'ALTER TABLE orders DROP COLUMN IF EXISTS client_id;',
    ],
  },
  'add-not-null-column': {
    options: [
      '--table',
      'orders',
      '--column',
      'total_cents',
      '--type',
      'bigint',
      '--expression',
      'round(total * 100)::bigint',
    ],
    sql: [
      'ALTER TABLE orders ADD COLUMN total_cents bigint;',
      'UPDATE orders SET total_cents = (round(total * 100)::bigint)',
      'ALTER TABLE orders ALTER COLUMN total_cents SET NOT NULL;',
    ],
  },
  'change-type': {
    options: ['--table', 'orders', '--column', 'quantity', '--type', 'bigint'],
    sql: [
      'ALTER TABLE orders ADD COLUMN quantity_new bigint;',
      'ALTER TABLE orders RENAME COLUMN quantity_new TO quantity;',
    ],
  },
  'add-foreign-key': {
    options: ['--table', 'orders', '--column', 'customer_id', '--references', 'customers.id'],
    sql: [
      'CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;',
      'SELECT count(*) FROM orders AS c WHERE c.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers AS p WHERE p.id = c.customer_id);',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;',
    ],
  },
  'add-unique': {
    options: ['--table', 'customers', '--columns', 'email'],
    sql: [
      'CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email);',
      'ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_key;',
    ],
  },
  'add-index': {
    options: ['--table', 'orders', '--columns', 'customer_id,created_at'],
    sql: ['CREATE INDEX CONCURRENTLY idx_orders_customer_id_created_at ON orders (customer_id, created_at);'],
  },
  'replace-materialized-view': {
    options: [
      '--view',
      'daily_sales',
      '--query',
      'SELECT created_at::date AS day, sum(total) AS total_sales, count(*) AS orders FROM orders GROUP BY created_at::date',
      '--columns',
      'day',
    ],
    sql: [
      'CREATE MATERIALIZED VIEW daily_sales__new AS',
      'SELECT created_at::date AS day, sum(total) AS total_sales, count(*) AS orders FROM orders GROUP BY created_at::date',
      'ALTER MATERIALIZED VIEW daily_sales__new RENAME TO daily_sales;',
      'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;',
    ],
  },
};

const TEMPLATES = readdirSync(TEMPLATES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));
const out = mkdtempSync(join(tmpdir(), 'schemashift-templates-'));

/** change-type and rename-column declare what the column carries: read from `database` (shaped like SHOP) when given. */
async function newPlan(template: string, database?: string): Promise<string> {
  const io = captureIo(out);
  const code = await main(
    [
      'new',
      template,
      ...(SAMPLES[template]?.options ?? []),
      '--name',
      template,
      '--force',
      ...(database ? ['--database', database] : []),
    ],
    io,
  );
  expect(io.stderr()).toBe('');
  expect(code).toBe(0);
  expect(io.stdout()).toBe(
    `wrote plans/${template}.yaml (template ${template})\n  next: schemashift plan plans/${template}.yaml\n`,
  );
  return `plans/${template}.yaml`;
}

describe('plan templates', () => {
  it('has a sample for every template, and a template for every sample', () => {
    expect(TEMPLATES.sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(TEMPLATES)('%s renders into a plan that loads, lints clean, and plans the expected SQL', async (template) => {
    const file = await newPlan(template);
    const plan = await loadPlanFile(file, out);
    expect(plan.name).toBe(template);
    expect(lintPlan(plan)).toEqual([]);
    const io = captureIo(out);
    expect(await main(['plan', file], io)).toBe(0);
    for (const sql of SAMPLES[template]?.sql ?? []) expect(io.stdout()).toContain(sql);
  });
});

async function newPlanFromShop(template: string): Promise<string> {
  const shaped = await createPostgresDatabase('schemashift_template_shop');
  await shaped.exec(readFileSync(SHOP, 'utf8'));
  return newPlan(template, shaped.url).finally(() => shaped.close());
}

describe.skipIf(!postgresAdminUrl)('plan templates, rehearsed on real PostgreSQL (schemashift test --database)', () => {
  it.each(TEMPLATES)('%s runs forward and rolls back cleanly on sample data', async (template) => {
    const file = ['change-type', 'rename-column'].includes(template)
      ? await newPlanFromShop(template)
      : await newPlan(template);
    const io = captureIo(out);
    const started = Date.now();
    const code = await main(['test', file, '--seed', SHOP, '--database', postgresAdminUrl ?? ''], io);
    console.log(
      `rehearsed ${template} in ${Date.now() - started} ms${code === 0 ? '' : `:\n${io.stdout()}\n${io.stderr()}`}`,
    );
    expect(io.stdout()).toContain('✔ rehearsal passed');
    expect(io.stdout()).toContain('✔ rollback after expand');
    expect(code).toBe(0);
  });
});
