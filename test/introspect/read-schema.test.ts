import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import type { LiveRelation, LiveSchema } from '../../src/introspect/live-schema.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { createPostgresDatabase, engines, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const readLiveSchema = postgres.introspect.liveSchema.bind(postgres.introspect);
const resolveTypes = postgres.introspect.resolveTypes.bind(postgres.introspect);

const SCHEMA = `
CREATE SCHEMA sales;
CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL);
CREATE TABLE sales.orders (
  id bigint PRIMARY KEY,
  customer_id bigint REFERENCES customers (id),
  amount numeric(12, 2),
  tags text[]
);
ALTER TABLE sales.orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE sales.orders ADD CONSTRAINT orders_customer_not_null CHECK (customer_id IS NOT NULL) NOT VALID;
ALTER TABLE sales.orders VALIDATE CONSTRAINT orders_customer_not_null;
CREATE INDEX orders_amount_idx ON sales.orders (amount) INCLUDE (tags);
CREATE INDEX orders_lower_idx ON sales.orders ((lower(tags[1])));
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON sales.orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE measurements (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO measurements SELECT DATE '2024-06-01' + (g % 300), g FROM generate_series(1, 3000) g;
INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 5000) g;
ANALYZE customers;
ANALYZE measurements_2024;
ANALYZE measurements_2025;
CREATE MATERIALIZED VIEW customer_count AS SELECT count(*) AS n FROM customers WITH NO DATA;
`;

function relation(live: LiveSchema, key: string): LiveRelation {
  const found = live.relations.find((r) => `${r.schema}.${r.name}` === key);
  if (!found) throw new Error(`no relation ${key}`);
  return found;
}

describe.each(engines)('readLiveSchema on $name', ({ create }) => {
  let db: TestDatabase;
  let conn: Connection;
  let live: LiveSchema;

  beforeAll(async () => {
    db = await create();
    await db.exec(SCHEMA);
    conn = db.url ? await connect(db.url) : await pgliteConnection(db);
    live = await readLiveSchema(conn);
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  it('reads the server version, database and search path', () => {
    expect(live.server.versionNum).toBeGreaterThanOrEqual(120000);
    expect(live.server.version).toMatch(/^\d+\.\d+/);
    expect(live.searchPath).toEqual(['pg_catalog', 'public']);
  });

  it('reads columns with their types (typmod and base) and nullability', () => {
    const orders = relation(live, 'sales.orders');
    expect(orders.kind).toBe('table');
    expect(orders.columns).toEqual([
      { name: 'id', type: 'bigint', baseType: 'bigint', notNull: true },
      { name: 'customer_id', type: 'bigint', baseType: 'bigint', notNull: false },
      { name: 'amount', type: 'numeric(12,2)', baseType: 'numeric', notNull: false },
      { name: 'tags', type: 'text[]', baseType: 'text[]', notNull: false },
    ]);
    expect(relation(live, 'public.customers').columns?.[1]).toEqual({
      name: 'email',
      type: 'character varying(200)',
      baseType: 'character varying',
      notNull: true,
    });
  });

  it('reads constraints with convalidated, and spots a CHECK (col IS NOT NULL)', () => {
    const constraints = relation(live, 'sales.orders').constraints.sort((a, b) => a.name.localeCompare(b.name));
    expect(constraints.filter((c) => c.type !== 'not null')).toEqual([
      { name: 'orders_amount_positive', type: 'check', validated: false, columns: ['amount'] },
      {
        name: 'orders_customer_id_fkey',
        type: 'foreign key',
        validated: true,
        columns: ['customer_id'],
        references: { table: 'public.customers', index: 'customers_pkey' },
      },
      {
        name: 'orders_customer_not_null',
        type: 'check',
        validated: true,
        columns: ['customer_id'],
        notNullOf: 'customer_id',
      },
      { name: 'orders_pkey', type: 'primary key', validated: true, columns: ['id'] },
    ]);
  });

  it('reads indexes with their table, validity, uniqueness and key columns (null for expressions)', () => {
    expect(relation(live, 'sales.orders_pkey').index).toEqual({
      table: 'sales.orders',
      valid: true,
      unique: true,
      primary: true,
      partial: false,
      columns: ['id'],
    });
    expect(relation(live, 'sales.orders_amount_idx').index).toMatchObject({
      valid: true,
      unique: false,
      columns: ['amount'],
    });
    expect(relation(live, 'sales.orders_lower_idx').index?.columns).toBeNull();
  });

  it('reads user triggers, not the internal ones of foreign keys', () => {
    expect(relation(live, 'sales.orders').triggers).toEqual(['orders_touch']);
    expect(relation(live, 'public.customers').triggers).toEqual([]);
  });

  it('estimates rows and bytes from statistics, summing partitions; unknown before ANALYZE', () => {
    const customers = relation(live, 'public.customers');
    expect(customers.rows).toBe(5000);
    expect(customers.bytes).toBeGreaterThan(100_000);
    const parent = relation(live, 'public.measurements');
    expect(parent.kind).toBe('partitioned table');
    expect(parent.rows).toBe(3000);
    expect(relation(live, 'public.customer_count')).toMatchObject({ kind: 'materialized view', populated: false });
  });

  it('resolves type names the way the server spells them, null for unknown ones', async () => {
    const types = await resolveTypes(conn, [
      'int8',
      'BIGINT',
      'varchar(20)',
      'timestamptz',
      'text[]',
      'bigserial',
      'no_such_type',
      'sales.orders',
    ]);
    expect(Object.fromEntries(types)).toEqual({
      int8: 'bigint',
      BIGINT: 'bigint',
      'varchar(20)': 'character varying',
      timestamptz: 'timestamp with time zone',
      'text[]': 'text[]',
      bigserial: 'bigint',
      no_such_type: null,
      'sales.orders': 'sales.orders',
    });
  });
});

/** PGlite test databases are in-process: wrap the test handle as a Connection for readLiveSchema. */
function pgliteConnection(db: TestDatabase): Promise<Connection> {
  return Promise.resolve({
    dialect: 'postgres',
    kind: 'pglite',
    displayUrl: 'pglite://memory',
    query: async <R>(sql: string, params?: unknown[]) => {
      const rows = await db.query<R>(sql, params);
      return { rows, rowCount: rows.length };
    },
    exec: (sql) => db.exec(sql),
    session: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  });
}

describe.skipIf(!postgresAdminUrl)('readLiveSchema takes no lock on user tables', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_introspect_locks');
    await db.exec('CREATE TABLE busy (id int PRIMARY KEY, note text)');
  });
  afterAll(() => db?.close());

  it('completes while another session holds ACCESS EXCLUSIVE on a table (lock_timeout 1s would fail it otherwise)', async () => {
    const holder = await connect(db.url!);
    const reader = await connect(db.url!);
    try {
      await holder.session(async (s) => {
        await s.exec('BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE');
        const live = await reader.session(async (r) => {
          await r.exec("SET lock_timeout = '1s'");
          return readLiveSchema(r);
        });
        expect(live.relations.find((r) => r.name === 'busy')?.columns?.map((c) => c.name)).toEqual(['id', 'note']);
        await s.exec('ROLLBACK');
      });
    } finally {
      await reader.close();
      await holder.close();
    }
  });
});
