/**
 * `run` refuses (exit 2, nothing run) a plan written for another database than the one it is
 * pointed at, naming both; the refusal comes before the plan is compiled or anything connects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { cli, errorObjectOf, folderWith } from './cli-support.js';

const MSSQL_PLAN = `name: for-sql-server
dialect: mssql
phases:
  expand:
    - sql: { up: "ALTER TABLE orders ADD note nvarchar(100) NULL", down: "ALTER TABLE orders DROP COLUMN note" }
`;

const POSTGRES_PLAN = `name: for-postgres
phases:
  expand:
    - gate: { confirm: "Deploy the new version first" }
`;

describe.skipIf(!postgresAdminUrl)('a plan for another database', () => {
  let db: TestDatabase;
  const dir = folderWith({ 'mssql.yaml': MSSQL_PLAN, 'postgres.yaml': POSTGRES_PLAN });

  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_dialect');
  });
  afterAll(async () => db?.close());

  it('dialect: mssql against PostgreSQL: exit 2, naming both, and no state written', async () => {
    for (const verb of ['run', 'advance', 'rollback']) {
      const r = await cli([verb, 'mssql.yaml', '--database', db.url!], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /plan for-sql-server declares dialect: mssql \(SQL Server\), but postgres:\/\/\S+ is a PostgreSQL database: nothing was run/,
      );
      expect(r.stderr).toContain('point --database / DATABASE_URL at the SQL Server database the plan is for');
    }
    const rows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'schemashift'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('in JSON: code dialect-mismatch, exit_code 2', async () => {
    const r = await cli(['run', 'mssql.yaml', '--json', '--database', db.url!], { cwd: dir });
    expect(r.code).toBe(2);
    expect(errorObjectOf(r.stdout)).toMatchObject({ code: 'dialect-mismatch', exit_code: 2 });
  });
});

describe('without a server', () => {
  const dir = folderWith({ 'mssql.yaml': MSSQL_PLAN, 'postgres.yaml': POSTGRES_PLAN });

  it('dialect: mssql against the embedded PostgreSQL (DATABASE_URL): refused the same way', async () => {
    const r = await cli(['run', 'mssql.yaml'], { cwd: dir, env: { DATABASE_URL: 'pglite://memory' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'plan for-sql-server declares dialect: mssql (SQL Server), but pglite://memory is a PostgreSQL database',
    );
  });

  it('a PostgreSQL plan against SQL Server: refused before connecting (nothing listens there)', async () => {
    const r = await cli(['run', 'postgres.yaml', '--database', 'sqlserver://sa@127.0.0.1:1/db'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /plan for-postgres declares dialect: postgres \(PostgreSQL\), but sqlserver:\/\/\S+ is a SQL Server database/,
    );
  });
});
