/** `validate --database` on the table metadata operations: what each needs from the live schema, step by step. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { checkPlanAgainstSchema, DEFAULT_DATABASE_CHECK_OPTIONS } from '../../src/lint/database/index.js';
import type { LiveSchema } from '../../src/introspect/live-schema.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const SEED = `
CREATE TABLE customers (id int PRIMARY KEY, code int NOT NULL CONSTRAINT customers_code_key UNIQUE);
CREATE TABLE orders (id int PRIMARY KEY, number int, ref int NOT NULL, status text DEFAULT 'new',
  customer_id int CONSTRAINT orders_customer_fkey REFERENCES customers,
  ccode int CONSTRAINT orders_ccode_fkey REFERENCES customers (code),
  total int CONSTRAINT orders_total_check CHECK (total >= 0));
CREATE UNIQUE INDEX orders_number_key ON orders (number);
CREATE UNIQUE INDEX orders_ref_key ON orders (ref);
CREATE UNIQUE INDEX orders_ref_partial ON orders (ref) WHERE ref > 0;
`;

describe.skipIf(!postgresAdminUrl)('validate --database: table metadata operations', () => {
  let db: TestDatabase;
  let conn: Connection;
  let live: LiveSchema;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_meta_db');
    await db.exec(SEED);
    conn = await connect(db.url!);
    live = await postgres.introspect.liveSchema(conn);
  });
  afterAll(async () => {
    await conn.close();
    await db.close();
  });

  async function check(steps: string): Promise<string[]> {
    const plan = await parsePlan('p.yaml', `name: p\nphases:\n${steps}`);
    return checkPlanAgainstSchema(compilePlan(plan), live, () => undefined, DEFAULT_DATABASE_CHECK_OPTIONS).map(
      (f) => `${f.at.line} ${f.rule}: ${f.message}`,
    );
  }

  it('a plan that fits the schema has no finding', async () => {
    expect(
      await check(`  expand:
    - set_default: { table: orders, column: status, default: "'pending'", previous: "'new'" }
    - drop_default: { table: orders, column: status }
    - set_comment: { table: orders, column: total, comment: "in cents" }
    - set_replica_identity: { table: orders, identity: index, index: orders_ref_key }
    - rename_constraint: { table: customers, from: customers_code_key, to: customers_code_unique }
  contract:
    - drop_constraint: { table: orders, name: orders_ccode_fkey, references: customers }
    - drop_constraint: { table: customers, name: customers_code_unique }
`),
    ).toEqual([]);
  });

  it('missing columns, tables, constraints; replica identity indexes PostgreSQL refuses; names taken', async () => {
    expect(
      await check(`  expand:
    - set_default: { table: orders, column: statuz, default: "'x'" }
    - set_comment: { table: orderz, comment: hi }
    - set_replica_identity: { table: orders, identity: index, index: orders_number_key }
    - set_replica_identity: { table: orders, identity: index, index: orders_ref_partial }
    - set_replica_identity: { table: orders, identity: index, index: customers_pkey }
    - rename_constraint: { table: orders, from: nope, to: orders_x }
    - rename_constraint: { table: orders, from: orders_total_check, to: orders_pkey }
    - rename_constraint: { table: customers, from: customers_code_key, to: orders_number_key }
`),
    ).toEqual([
      expect.stringMatching(/^4 db-missing-column: column statuz does not exist on orders/),
      expect.stringMatching(/^5 db-missing-table: table orderz does not exist/),
      expect.stringMatching(/^6 db-missing-unique-key: index orders_number_key has nullable key column\(s\) number/),
      expect.stringMatching(/^7 db-missing-unique-key: index orders_ref_partial is partial/),
      expect.stringMatching(/^8 db-missing-unique-key: index customers_pkey is on another table, not orders/),
      expect.stringMatching(/^9 db-missing-constraint: constraint nope does not exist on orders/),
      expect.stringMatching(/^10 db-name-taken: constraint orders_pkey already exists on orders/),
      expect.stringMatching(/^11 db-name-taken: customers_code_key is a unique constraint, whose index is renamed/),
    ]);
  });

  it('drop_constraint: a key foreign keys depend on (named, also after a rename); the lock on a referenced table', async () => {
    expect(
      await check(`  expand:
    - rename_constraint: { table: customers, from: customers_code_key, to: customers_code_unique }
  contract:
    - drop_constraint: { table: customers, name: customers_pkey }
    - drop_constraint: { table: customers, name: customers_code_unique }
    - drop_constraint: { table: orders, name: orders_customer_fkey }
    - drop_constraint: { table: orders, name: orders_ccode_fkey, references: orders }
    - drop_constraint: { table: orders, name: orders_customer_fkey }
`),
    ).toEqual([
      expect.stringMatching(
        /^6 db-constraint-in-use: foreign key\(s\) orders.orders_customer_fkey depend on primary key/,
      ),
      expect.stringMatching(/^7 db-constraint-in-use: foreign key\(s\) orders.orders_ccode_fkey depend on unique/),
      expect.stringMatching(
        /^8 db-lock-not-shown: orders_customer_fkey is a foreign key to customers: .* does not say so/,
      ),
      expect.stringMatching(/^9 db-lock-not-shown: orders_ccode_fkey is a foreign key to customers: .* names orders/),
      expect.stringMatching(/^10 db-missing-drop-target: constraint orders_customer_fkey does not exist on orders/),
    ]);
  });
});
