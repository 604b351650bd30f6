/**
 * Review findings 7, 8 and 10 (carry half) on real PostgreSQL: what change_type / rename_column
 * carry must mean exactly what the old column had. Declarations come from the catalog, as
 * `schemashift new … --database` writes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { compareCarry, declarationsFromLive } from '../../src/introspect/carry-diff.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';

const readColumnAttachments = postgres.introspect.columnAttachments.bind(postgres.introspect);
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { forward, parseSpec, runPhase } from '../support/operations.js';

async function declarations(conn: Connection, table: string, column: string) {
  const live = await readColumnAttachments(conn, table, column);
  if (!live) throw new Error(`${table}.${column} not found`);
  return { live, declared: declarationsFromLive(live) };
}

async function runAll(db: TestDatabase, kind: string, spec: unknown): Promise<void> {
  const steps = forward(kind, spec);
  for (const phase of ['expand', 'migrate', 'contract'] as const) await runPhase(db, steps, phase);
}

describe.skipIf(!postgresAdminUrl)('carry keeps the meaning of what it carries (real PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_carry_review');
    conn = await connect(db.url!);
  });
  afterAll(async () => {
    await conn.close();
    await db.close();
  });

  it('finding 7: a carried CHECK after multi-byte text keeps its meaning (byte offsets spliced as bytes)', async () => {
    await db.exec(
      "CREATE TABLE stock (id int PRIMARY KEY, qty int NOT NULL, note text, CONSTRAINT stock_qty_ok CHECK (note = 'üüüü' OR qty+100 > 0)); INSERT INTO stock VALUES (1, -50, 'x'), (2, -500, 'üüüü')",
    );
    const { declared } = await declarations(conn, 'stock', 'qty');
    await runAll(db, 'change_type', {
      table: 'stock',
      column: 'qty',
      type: 'bigint',
      ...declared,
      backfill: { key: ['id'] },
    });
    const [row] = await db.query<{ def: string }>(
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'stock_qty_ok'",
    );
    expect(row?.def).toBe("CHECK (((note = 'üüüü'::text) OR ((qty + 100) > 0)))");
    await db.exec("INSERT INTO stock (id, qty, note) VALUES (3, -99, 'y')");
    await expect(db.exec("INSERT INTO stock (id, qty, note) VALUES (4, -100, 'y')")).rejects.toThrow(/stock_qty_ok/);
  });

  describe('finding 8: the PUBLIC pseudo-role and a real role named "PUBLIC"', () => {
    beforeAll(async () => {
      await db.exec(
        `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'PUBLIC') THEN CREATE ROLE "PUBLIC" NOLOGIN; END IF; END $$`,
      );
    });
    afterAll(async () => {
      await db.exec('DROP TABLE IF EXISTS handles, logins');
      await db.exec(
        `DO $$ BEGIN DROP ROLE IF EXISTS "PUBLIC"; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $$`,
      );
    });

    it('a column grant to the real role "PUBLIC" is not read as PUBLIC: it is a blocker, never GRANT … TO PUBLIC', async () => {
      await db.exec(
        'CREATE TABLE handles (id int PRIMARY KEY, handle text); GRANT SELECT (handle) ON handles TO "PUBLIC"',
      );
      const { live, declared } = await declarations(conn, 'handles', 'handle');
      expect(live.grants).toEqual([{ role: 'PUBLIC', privileges: ['SELECT'] }]);
      expect(declared.grants).toBeUndefined();
      const problems = compareCarry('rename_column', { table: 'handles', ...declared }, live);
      expect(problems.blockers.join('\n')).toMatch(
        /role "PUBLIC" \(a real role, not PUBLIC\) has SELECT on handles\.handle.*REVOKE it before this plan/,
      );
      expect(() =>
        parseSpec('rename_column', {
          table: 'handles',
          from: 'handle',
          to: 'nick',
          type: 'text',
          grants: [{ role: 'PUBLIC', privileges: ['SELECT'] }],
        }),
      ).toThrow(/a role spelled public is ambiguous/);
    });

    it('a grant to PUBLIC is declared public: true and carried to PUBLIC, and a role "PUBLIC" declaration does not match it', async () => {
      await db.exec('CREATE TABLE logins (id int PRIMARY KEY, login text); GRANT SELECT (login) ON logins TO PUBLIC');
      const { live, declared } = await declarations(conn, 'logins', 'login');
      expect(declared.grants).toEqual([{ public: true, privileges: ['SELECT'] }]);
      expect(compareCarry('rename_column', { table: 'logins', ...declared }, live)).toEqual({
        lost: [],
        differs: [],
        blockers: [],
        extra: [],
      });
      expect(
        compareCarry('rename_column', { table: 'logins', grants: [{ role: 'PUBLIC', privileges: ['SELECT'] }] }, live)
          .lost,
      ).toEqual(['column privileges (PUBLIC: SELECT)']);
      const steps = forward('rename_column', {
        table: 'logins',
        from: 'login',
        to: 'username',
        type: 'text',
        ...declared,
        backfill: { key: ['id'] },
      });
      await runPhase(db, steps, 'expand');
      const grantees = await db.query<{ grantee: string }>(
        "SELECT x.grantee::regrole::text AS grantee FROM pg_attribute a, aclexplode(a.attacl) x WHERE a.attrelid = 'logins'::regclass AND a.attname = 'username'",
      );
      expect(grantees).toEqual([{ grantee: '-' }]);
    });
  });

  describe('finding 10: a non-default column collation', () => {
    beforeAll(async () => {
      await db.exec("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
    });

    it('is read, declared and carried by rename_column: the carried unique index still refuses ALICE beside Alice', async () => {
      await db.exec(
        "CREATE TABLE members (id int PRIMARY KEY, login text COLLATE ci CONSTRAINT members_login_key UNIQUE); INSERT INTO members VALUES (1, 'Alice')",
      );
      const { live, declared } = await declarations(conn, 'members', 'login');
      expect(declared.collation).toBe('public.ci');
      const { collation: _, ...withoutCollation } = declared;
      expect(compareCarry('rename_column', { table: 'members', ...withoutCollation }, live).lost).toEqual([
        'COLLATE public.ci',
      ]);
      const [before] = await db.query<{ file: string }>(
        "SELECT relfilenode::text AS file FROM pg_class WHERE relname = 'members'",
      );
      await runAll(db, 'rename_column', {
        table: 'members',
        from: 'login',
        to: 'username',
        type: 'text',
        ...declared,
        backfill: { key: ['id'] },
      });
      const [after] = await db.query<{ file: string; collation: string }>(
        "SELECT c.relfilenode::text AS file, co.collname AS collation FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_collation co ON co.oid = a.attcollation WHERE c.relname = 'members' AND a.attname = 'username'",
      );
      expect(after).toEqual({ file: before?.file, collation: 'ci' });
      await expect(db.exec("INSERT INTO members VALUES (2, 'ALICE')")).rejects.toThrow(/members_login_key/);
    });

    it('change_type to a type without collations must say collation: null deliberately', async () => {
      await db.exec(
        "CREATE TABLE codes (id int PRIMARY KEY, code varchar(10) COLLATE ci); INSERT INTO codes VALUES (1, 'AbC')",
      );
      const { live, declared } = await declarations(conn, 'codes', 'code');
      expect(compareCarry('change_type', { table: 'codes' }, live).lost).toEqual(['COLLATE public.ci']);
      expect(compareCarry('change_type', { table: 'codes', collation: null }, live)).toEqual({
        lost: [],
        differs: [],
        blockers: [],
        extra: [],
      });
      await runAll(db, 'change_type', {
        table: 'codes',
        column: 'code',
        type: 'text',
        ...declared,
        backfill: { key: ['id'] },
      });
      expect(await db.query("SELECT count(*)::int AS n FROM codes WHERE code = 'abc'")).toEqual([{ n: 1 }]);
    });
  });
});
