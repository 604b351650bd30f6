/**
 * rename_column carries what is attached to the old column, end to end through the built CLI on
 * real PostgreSQL: NOT NULL and DEFAULT, unique / partial / multi-column / expression indexes and
 * a unique constraint, a serial primary key with its sequence; an inbound foreign key is found
 * before anything runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, writePlan } from '../runner/cli-process.js';
import { attachedShape } from './carry-support.js';

const PLAN = `
name: rename-carry
phases:
  expand:
    - rename_column:
        table: accounts
        from: status
        to: state
        type: text
        not_null: true
        default: "'new'::text"
    - rename_column:
        table: accounts
        from: code
        to: ref
        type: text
        indexes:
          - { name: accounts_code_uniq, keys: [code], unique: true, constraint: unique }
          - { name: accounts_code_partial_idx, keys: [code], where: "code <> ''::text" }
          - { name: accounts_tenant_code_idx, keys: [tenant, code] }
          - { name: accounts_code_lower_idx, keys: [lower(code)], unique: true }
    - rename_column:
        table: accounts
        from: id
        to: account_id
        type: integer
        not_null: true
        default: "nextval('accounts_id_seq'::regclass)"
        sequence: accounts_id_seq
        indexes:
          - { name: accounts_pkey, keys: [id], unique: true, constraint: primary_key }
`;

/** What the catalog shows, with the old column names written as the new ones. */
const renamed = (shape: unknown): unknown =>
  JSON.parse(
    JSON.stringify(shape)
      .replaceAll('(status', '(state')
      .replaceAll('(code', '(ref')
      .replaceAll('lower(code)', 'lower(ref)')
      .replaceAll(', code)', ', ref)')
      .replaceAll('(id)', '(account_id)'),
  );

describe.skipIf(!postgresAdminUrl)(
  'rename_column carries what is attached to the column (real PostgreSQL, built CLI)',
  () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await createPostgresDatabase('schemashift_carry_rename');
      await db.exec(`
      CREATE TABLE accounts (id serial PRIMARY KEY, tenant int NOT NULL, status text NOT NULL DEFAULT 'new', code text CONSTRAINT accounts_code_uniq UNIQUE);
      CREATE INDEX accounts_code_partial_idx ON accounts (code) WHERE code <> '';
      CREATE INDEX accounts_tenant_code_idx ON accounts (tenant, code);
      CREATE UNIQUE INDEX accounts_code_lower_idx ON accounts (lower(code));
      INSERT INTO accounts (tenant, status, code) SELECT i % 5, CASE WHEN i % 3 = 0 THEN 'paid' ELSE 'new' END, CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' || i END FROM generate_series(1, 300) AS i;`);
    });
    afterEach(() => db.close());

    it('carries NOT NULL + DEFAULT, every kind of index and a unique constraint, and a serial primary key with its sequence', async () => {
      const before = await attachedShape(db, 'accounts', 'status');
      const plan = writePlan(PLAN);
      const clean = await runCli(['validate', plan, '--database', db.url!]);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      const expand = await runCli(['advance', plan, '--database', db.url!, '--yes']);
      expect(expand.code, expand.stdout + expand.stderr).toBe(0);
      await db.exec("INSERT INTO accounts (tenant, code) VALUES (1, 'old-writer')"); // old version: old names only
      const migrate = await runCli(['advance', plan, '--database', db.url!, '--yes']);
      expect(migrate.code, migrate.stdout + migrate.stderr).toBe(0);
      await db.exec("INSERT INTO accounts (tenant, state, ref) VALUES (2, 'paid', 'new-writer')"); // new version: new names only
      const contract = await runCli(['advance', plan, '--database', db.url!, '--yes']);
      expect(contract.code, contract.stdout + contract.stderr).toBe(0);

      const after = await attachedShape(db, 'accounts', 'state');
      expect(after.col).toEqual({ type: 'text', attnotnull: true, def: "'new'::text", comment: null });
      expect(after.indexes).toEqual(renamed(before.indexes));
      expect(after.constraints).toEqual(renamed(before.constraints));
      const [id] = await db.query<{
        def: string;
        notnull: boolean;
        owner: string;
      }>(`SELECT pg_get_expr(adbin, adrelid) AS def, attnotnull AS notnull, pg_get_serial_sequence('accounts', 'account_id') AS owner
      FROM pg_attribute JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = 'accounts'::regclass AND attname = 'account_id'`);
      expect(id).toEqual({
        def: "nextval('accounts_id_seq'::regclass)",
        notnull: true,
        owner: 'public.accounts_id_seq',
      });
      const [fresh] = await db.query<{ account_id: number; state: string }>(
        'INSERT INTO accounts (tenant) VALUES (3) RETURNING account_id, state',
      );
      expect(fresh?.state).toBe('new');
      expect(fresh?.account_id).toBeGreaterThan(300);
      expect(
        await db.query("SELECT tenant, state FROM accounts WHERE ref IN ('old-writer', 'new-writer') ORDER BY tenant"),
      ).toEqual([
        { tenant: 1, state: 'new' },
        { tenant: 2, state: 'paid' },
      ]);
    });

    it('a foreign key of another table that references the renamed column is found before anything runs', async () => {
      await db.exec('CREATE TABLE sessions (id int PRIMARY KEY, account_id int REFERENCES accounts (id))');
      const plan = writePlan(
        PLAN.split('    - rename_column:')
          .filter((part, i) => i === 0 || part.includes('from: id'))
          .join('    - rename_column:'),
      );
      const validate = await runCli(['validate', plan, '--database', db.url!]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(1);
      expect(validate.stdout).toContain(
        "foreign key sessions_account_id_fkey on sessions references accounts.id: contract's DROP COLUMN would fail",
      );
      const refused = await runCli(['run', plan, '--database', db.url!, '--yes']);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain('foreign key sessions_account_id_fkey on sessions references accounts.id');
      expect(
        await db.query(
          "SELECT attname FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'account_id'",
        ),
      ).toEqual([]);
    });

    it('a rename that does not declare NOT NULL and the default is refused with the declarations to paste', async () => {
      const plan = writePlan(
        'name: rename-bare\nphases:\n  expand:\n    - rename_column: { table: accounts, from: status, to: state, type: text }\n',
      );
      const refused = await runCli(['run', plan, '--database', db.url!, '--yes']);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain("rename_column of accounts.status: would lose NOT NULL, DEFAULT 'new'::text");
      expect(refused.stderr).toContain(`default: "'new'::text"`);
      expect(
        await db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'state'"),
      ).toEqual([]);
    });
  },
);
