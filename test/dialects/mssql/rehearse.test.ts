/**
 * The T-SQL of a SQL Server rehearsal, as rendered: scratch databases made and dropped by bracketed
 * names (dropped only when DB_ID finds them, sessions ended first), the catalog snapshot without the
 * schemashift schema, row digests, row counts with the plan's condition in parentheses, and rows_done.
 * The statements run on a real server in rehearse.server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/db/connection.js';
import { mssql } from '../../../src/dialects/mssql/mssql-dialect.js';
import { countRowsSql, mssqlRehearsal, ROWS_DONE_SQL } from '../../../src/dialects/mssql/rehearse.js';
import { createDatabaseSql, dropDatabaseSql } from '../../../src/dialects/mssql/rehearse-scratch.js';
import { rowDigestSql, SNAPSHOT_QUERIES, TABLE_COLUMNS_SQL } from '../../../src/dialects/mssql/rehearse-snapshot.js';
import { DatabaseError, UsageError } from '../../../src/errors.js';
import { scratchName } from '../../../src/rehearse/sandbox.js';

/** Records what is sent; answers every query with `rows`. */
function recorder(rows: Record<string, unknown>[] = [], fail?: Error) {
  const sent: { sql: string; params?: unknown[] | undefined }[] = [];
  const db: Queryable = {
    query<R>(sql: string, params?: unknown[]) {
      sent.push({ sql, params });
      return Promise.resolve({ rows: rows as R[], rowCount: rows.length } as never);
    },
    exec(sql: string) {
      sent.push({ sql });
      return fail ? Promise.reject(fail) : Promise.resolve();
    },
  };
  return { db, sent };
}

describe('SQL Server rehearsal SQL', () => {
  it('the dialect hands schemashift test the SQL Server rehearsal', () => {
    expect(mssql.introspect.rehearsal).toBe(mssqlRehearsal);
  });

  it('creates and drops scratch databases by bracketed name, the drop guarded by DB_ID', () => {
    const name = scratchName('forward');
    expect(name).toMatch(/^schemashift_rehearse_forward_[a-z0-9]+_\d+_[0-9a-f]{4}$/);
    expect(createDatabaseSql(name)).toBe(`CREATE DATABASE [${name}]`);
    expect(dropDatabaseSql(name)).toBe(
      `IF DB_ID(N'${name}') IS NOT NULL\nBEGIN\n` +
        `  ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n` +
        `  DROP DATABASE [${name}];\nEND`,
    );
    expect(dropDatabaseSql("x]'; DROP DATABASE master --")).toBe(
      `IF DB_ID(N'x]''; DROP DATABASE master --') IS NOT NULL\nBEGIN\n` +
        `  ALTER DATABASE [x]]'; DROP DATABASE master --] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n` +
        `  DROP DATABASE [x]]'; DROP DATABASE master --];\nEND`,
    );
  });

  it('scratchDatabases runs those statements on the admin connection', async () => {
    const { db, sent } = recorder();
    const scratch = await mssqlRehearsal.scratchDatabases(db);
    await scratch.create('schemashift_rehearse_a', 'sqlserver://sa:****@h:1433/master');
    await scratch.drop('schemashift_rehearse_a');
    expect(sent.map((s) => s.sql)).toEqual([
      createDatabaseSql('schemashift_rehearse_a'),
      dropDatabaseSql('schemashift_rehearse_a'),
    ]);
  });

  it('a login without CREATE DATABASE permission (error 262) is a usage error naming the grant', async () => {
    const { db } = recorder([], new DatabaseError('CREATE DATABASE permission denied', undefined, '262'));
    const scratch = await mssqlRehearsal.scratchDatabases(db);
    const created = scratch.create('schemashift_rehearse_a', 'sqlserver://app:****@h/master');
    await expect(created).rejects.toBeInstanceOf(UsageError);
    await expect(created).rejects.toMatchObject({
      message: expect.stringContaining('this login may not create databases') as unknown,
      hint: expect.stringContaining('dbcreator') as unknown,
    });
  });

  it('counts rows with the plan condition in parentheses, and reads rows_done from schemashift.steps', async () => {
    expect(countRowsSql('[orders]', undefined)).toBe('SELECT COUNT_BIG(*) AS n FROM [orders]');
    expect(countRowsSql('[orders]', 'customer_id IS NULL OR total > 0')).toBe(
      'SELECT COUNT_BIG(*) AS n FROM [orders] WHERE (customer_id IS NULL OR total > 0)',
    );
    const { db, sent } = recorder([{ n: '42' }]);
    expect(await mssqlRehearsal.countRows(db, '[orders]', 'total > 0')).toBe(42);
    expect(await mssqlRehearsal.rowsDone(db, 'p', 'migrate.1')).toBe(42);
    expect(sent[1]).toEqual({ sql: ROWS_DONE_SQL, params: ['p', 'migrate.1'] });
    expect(ROWS_DONE_SQL).toBe('SELECT rows_done AS n FROM schemashift.steps WHERE plan_name = $1 AND step_id = $2');
  });

  it('snapshots every kind of user object, leaving out the schemashift schema', () => {
    expect(Object.keys(SNAPSHOT_QUERIES)).toEqual([
      'relation',
      'column',
      'constraint',
      'index',
      'trigger',
      'definition',
      'module',
      'type',
    ]);
    for (const sql of [...Object.values(SNAPSHOT_QUERIES), TABLE_COLUMNS_SQL])
      expect(sql).toMatch(/SCHEMA_NAME\(\w+\.schema_id\) <> N'schemashift'/);
    expect(SNAPSHOT_QUERIES.column).toContain("N' default ' + d.definition");
    expect(SNAPSHOT_QUERIES.index).toContain("N' WHERE ' + i.filter_definition");
    expect(SNAPSHOT_QUERIES.index).toContain('is_included_column = 1');
    expect(SNAPSHOT_QUERIES.constraint).toContain('sys.check_constraints');
    expect(SNAPSHOT_QUERIES.constraint).toContain('sys.foreign_keys');
    expect(SNAPSHOT_QUERIES.constraint).toContain("WHEN k.is_not_trusted = 1 THEN N' (not trusted)'");
    expect(SNAPSHOT_QUERIES.trigger).toContain("HASHBYTES('SHA2_256', m.definition)");
  });

  it('digests rows with COUNT_BIG and CHECKSUM_AGG(CHECKSUM(*)), converting columns CHECKSUM refuses', () => {
    expect(rowDigestSql('dbo', 'orders', [{ column: 'id', type: 'bigint' }])).toBe(
      'SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS n, CHECKSUM_AGG(CHECKSUM(*)) AS h FROM [dbo].[orders]',
    );
    expect(
      rowDigestSql('dbo', 'doc]s', [
        { column: 'id', type: 'int' },
        { column: 'body', type: 'xml' },
        { column: 'old', type: 'ntext' },
      ]),
    ).toBe(
      'SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS n, CHECKSUM_AGG(CHECKSUM([id], CONVERT(nvarchar(max), ' +
        '[body]), CONVERT(nvarchar(max), [old]))) AS h FROM [dbo].[doc]]s]',
    );
  });

  it('takes a snapshot: catalog rows by kind, then one row digest per table', async () => {
    const sent: string[] = [];
    const db: Queryable = {
      query<R>(sql: string) {
        sent.push(sql);
        const rows =
          sql === TABLE_COLUMNS_SQL
            ? [{ schema: 'dbo', table: 'orders', column: 'id', type: 'bigint' }]
            : sql.startsWith('SELECT CONVERT(varchar(20), COUNT_BIG')
              ? [{ n: '3', h: 77 }]
              : sql === SNAPSHOT_QUERIES.relation
                ? [{ name: 'dbo.orders', value: 'USER_TABLE' }]
                : [];
        return Promise.resolve({ rows: rows as R[], rowCount: rows.length } as never);
      },
      exec: () => Promise.resolve(),
    };
    const snapshot = await mssqlRehearsal.snapshot(db);
    expect([...snapshot]).toEqual([
      ['relation dbo.orders', 'USER_TABLE'],
      ['rows dbo.orders', '3 rows, checksum 77'],
    ]);
    expect(sent.at(-1)).toBe(rowDigestSql('dbo', 'orders', [{ column: 'id', type: 'bigint' }]));
  });

  it('readSource says only PostgreSQL structures can be read', () => {
    const { db } = recorder();
    expect(() => mssqlRehearsal.readSource(db, ['orders'])).toThrow(/only PostgreSQL structures can be read/);
  });
});
