/**
 * One row per neutral table action: what each dialect renders for it. A second dialect adds a
 * column (`mssql: { sql, lock }` or `{ unsupported }`) and a renderer the compiler checks.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ActionRenderer, LockImpact, Rendered, Unsupported } from '../../src/dialects/actions.js';
import { isUnsupported } from '../../src/dialects/actions.js';
import type { TableAction } from '../../src/dialects/actions-table.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';

interface Expected {
  sql: string;
  lock: { level: string; impact: LockImpact; on: string[] };
  transactional: boolean;
  buildsIndex?: string;
}

interface Row {
  action: TableAction;
  postgres: Expected;
}

const AE = { level: 'ACCESS EXCLUSIVE', impact: 'blocks-all' } as const;
const SUE = { level: 'SHARE UPDATE EXCLUSIVE', impact: 'blocks-ddl' } as const;

const ROWS: Row[] = [
  {
    action: {
      kind: 'add-column',
      table: 'sales.orders',
      column: 'Total',
      type: 'numeric(10,2)',
      default: '0',
      notNull: true,
    },
    postgres: {
      sql: 'ALTER TABLE sales.orders ADD COLUMN "Total" numeric(10,2) DEFAULT (0) NOT NULL',
      lock: { ...AE, on: ['sales.orders'] },
      transactional: true,
    },
  },
  {
    action: { kind: 'drop-column', table: 'orders', column: 'legacy', cascade: true },
    postgres: {
      sql: 'ALTER TABLE orders DROP COLUMN IF EXISTS legacy CASCADE',
      lock: { ...AE, on: ['orders'] },
      transactional: true,
    },
  },
  {
    action: { kind: 'add-check-unchecked', table: 'orders', name: 'total_positive', expression: 'total >= 0' },
    postgres: {
      sql: 'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID',
      lock: { ...AE, on: ['orders'] },
      transactional: true,
    },
  },
  {
    action: {
      kind: 'add-foreign-key-unchecked',
      table: 'orders',
      name: 'orders_customer_fk',
      columns: ['customer_id'],
      references: { table: 'customers', columns: ['id'] },
      onDelete: 'set_null',
    },
    postgres: {
      sql:
        'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ' +
        'ON DELETE SET NULL NOT VALID',
      lock: { level: 'SHARE ROW EXCLUSIVE', impact: 'blocks-writes', on: ['orders', 'customers'] },
      transactional: true,
    },
  },
  {
    action: { kind: 'validate-constraint', table: 'orders', name: 'orders_customer_fk', alsoReads: ['customers'] },
    postgres: {
      sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk',
      lock: { ...SUE, on: ['orders', 'customers'] },
      transactional: true,
    },
  },
  {
    action: { kind: 'drop-constraint', table: 'orders', name: 'orders_fk', alsoLocks: ['orders', 'customers'] },
    postgres: {
      sql: 'ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_fk',
      lock: { ...AE, on: ['orders', 'customers'] },
      transactional: true,
    },
  },
  {
    action: {
      kind: 'build-index',
      table: 'sales.orders',
      name: 'orders_recent',
      columns: ['customer_id'],
      expressions: ['lower(email)'],
      unique: true,
      where: 'deleted_at IS NULL',
      include: ['total'],
      method: 'btree',
      online: true,
    },
    postgres: {
      sql:
        'CREATE UNIQUE INDEX CONCURRENTLY orders_recent ON sales.orders (customer_id, (lower(email))) ' +
        'INCLUDE (total) WHERE deleted_at IS NULL',
      lock: { ...SUE, on: ['sales.orders'] },
      transactional: false,
      buildsIndex: 'sales.orders_recent',
    },
  },
  {
    action: { kind: 'drop-index', table: 'sales.orders', name: 'ByCustomer', online: false },
    postgres: {
      sql: 'DROP INDEX IF EXISTS sales."ByCustomer"',
      lock: { ...AE, on: ['sales.orders'] },
      transactional: true,
    },
  },
  {
    action: { kind: 'add-unique-using-index', table: 'accounts', name: 'accounts_login_key', index: 'login_idx' },
    postgres: {
      sql: 'ALTER TABLE accounts ADD CONSTRAINT accounts_login_key UNIQUE USING INDEX login_idx',
      lock: { ...AE, on: ['accounts'] },
      transactional: true,
    },
  },
  {
    action: {
      kind: 'raw-statements',
      sql: 'CREATE INDEX CONCURRENTLY i ON orders (a)',
      lockLevel: 'SHARE UPDATE EXCLUSIVE',
      on: ['orders'],
      transactional: false,
      buildsIndex: { table: 'orders', name: 'i' },
    },
    postgres: {
      sql: 'CREATE INDEX CONCURRENTLY i ON orders (a)',
      lock: { ...SUE, on: ['orders'] },
      transactional: false,
      buildsIndex: 'i',
    },
  },
];

/** Every kind, checked by the compiler: a kind added to TableAction and missing here is an error. */
const TABLE_KINDS: Record<TableAction['kind'], true> = {
  'add-column': true,
  'drop-column': true,
  'add-check-unchecked': true,
  'add-foreign-key-unchecked': true,
  'validate-constraint': true,
  'drop-constraint': true,
  'build-index': true,
  'drop-index': true,
  'add-unique-using-index': true,
  'add-unique-online': true,
  'raw-statements': true,
};

/** Kinds for databases without USING INDEX: PostgreSQL refuses them (its operations never emit them). */
const POSTGRES_REFUSES: TableAction['kind'][] = ['add-unique-online'];

function render(renderer: ActionRenderer<TableAction>, action: TableAction): Rendered {
  const renderOne = renderer[action.kind] as (a: TableAction) => Rendered | Unsupported;
  const rendered = renderOne(action);
  if (isUnsupported(rendered)) throw new Error(`unsupported: ${rendered.unsupported}`);
  return rendered;
}

describe('table actions', () => {
  it('the table has one row for every table action kind, and PostgreSQL renders each', () => {
    const rendered = Object.keys(TABLE_KINDS).filter((k) => !POSTGRES_REFUSES.includes(k as TableAction['kind']));
    expect(ROWS.map((r) => r.action.kind).sort()).toEqual(rendered.sort());
    for (const kind of Object.keys(TABLE_KINDS)) expect(postgres.ddl).toHaveProperty(kind);
  });

  it('PostgreSQL refuses add-unique-online, pointing at add_unique', () => {
    const refused = postgres.ddl['add-unique-online']({
      kind: 'add-unique-online',
      table: 't',
      name: 'u',
      columns: ['a'],
    });
    expect(isUnsupported(refused) && refused.instead).toMatch(/add_unique/);
  });

  it('PostgreSQL refuses add-primary-key-online, pointing at add_primary_key', () => {
    const refused = postgres.ddl['add-primary-key-online']({
      kind: 'add-primary-key-online',
      table: 't',
      name: 'pk',
      columns: ['id'],
    });
    expect(isUnsupported(refused) && refused.instead).toMatch(/add_primary_key/);
  });

  it.each(ROWS)('$action.kind in PostgreSQL', ({ action, postgres: expected }) => {
    const { sql, lock, transactional, buildsIndex, probe } = render(postgres.ddl, action);
    expect({ sql, lock, transactional, ...(buildsIndex === undefined ? {} : { buildsIndex }) }).toEqual(expected);
    expect(probe).toMatch(/^SELECT /);
  });

  it('the volatile-default guard runs in the same statement batch, before the column is added', () => {
    const action: TableAction = {
      kind: 'add-column',
      table: 'orders',
      column: 'code',
      type: 'text',
      default: 'public.make_code()',
      notNull: false,
      confirmNotVolatile: [{ kind: 'function', schema: 'public', name: 'make_code' }],
    };
    const { sql } = render(postgres.ddl, action);
    expect(sql).toMatch(/^DO \$schemashift\$\n[\s\S]*RAISE EXCEPTION[\s\S]*\$schemashift\$;\n/);
    expect(sql).toMatch(/\nALTER TABLE orders ADD COLUMN code text DEFAULT \(public\.make_code\(\)\)$/);
  });

  it('a dialect that forgets a table action does not compile', () => {
    type Kinds = keyof ActionRenderer<TableAction>;
    expectTypeOf<Kinds>().toEqualTypeOf<TableAction['kind']>();
    expectTypeOf(postgres.ddl).toMatchTypeOf<ActionRenderer<TableAction>>();
  });
});
