/**
 * The SQL Server flag table and app statements: the exact T-SQL, names always bracketed, values
 * always parameters, the compare-and-set against the very text that was read. The statements run
 * on a real SQL Server in flags.server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { QueryResult, Queryable } from '../../../src/db/connection.js';
import { mssqlAppState } from '../../../src/dialects/mssql/app-state.js';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import { createFlagTableScript, flagTableSql, mssqlFlagTable } from '../../../src/dialects/mssql/flag-table.js';
import { mssqlState } from '../../../src/dialects/mssql/state.js';
import { ensureSchemaScript } from '../../../src/dialects/mssql/state-migrations.js';
import { MssqlStateStore } from '../../../src/dialects/mssql/state-store.js';
import { DatabaseError } from '../../../src/errors.js';

function recorder(respond: (sql: string, params: unknown[]) => unknown[] | Error = () => []) {
  const seen: { sql: string; params: unknown[] }[] = [];
  const scripts: string[] = [];
  const db: Queryable = {
    query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      seen.push({ sql, params });
      const rows = respond(sql, params);
      if (rows instanceof Error) return Promise.reject(rows);
      return Promise.resolve({ rows: rows as R[], rowCount: rows.length });
    },
    exec(script: string): Promise<void> {
      scripts.push(script);
      return Promise.resolve();
    },
  };
  return { db, seen, scripts };
}

const STORED = '{ "id": "new-checkout", "enabled": true,\n  "conditions": { "client_filters": [] } }';

describe('mssql flag table: statements', () => {
  it('brackets every name, binds every value', () => {
    const sql = flagTableSql('schemashift.feature_flags');
    expect(sql.list).toBe('SELECT id, definition FROM [schemashift].[feature_flags] ORDER BY id');
    expect(sql.read).toBe('SELECT definition FROM [schemashift].[feature_flags] WHERE id = $1');
    expect(sql.replace).toBe(
      'UPDATE [schemashift].[feature_flags] SET definition = $2, updated_at = SYSUTCDATETIME(), updated_by = $3 ' +
        'WHERE id = $1 AND CONVERT(varbinary(max), definition) = CONVERT(varbinary(max), CONVERT(nvarchar(max), $4));\n' +
        'SELECT @@ROWCOUNT AS written;',
    );
    expect(sql.insert).toBe(
      'INSERT INTO [schemashift].[feature_flags] (id, definition, updated_by) SELECT $1, $2, $3 ' +
        'WHERE NOT EXISTS (SELECT 1 FROM [schemashift].[feature_flags] WITH (UPDLOCK, HOLDLOCK) WHERE id = $1);\n' +
        'SELECT @@ROWCOUNT AS written;',
    );
    expect(toNamedParameters(sql.replace)).toContain('WHERE id = @p1 AND');
    expect(flagTableSql('app.fl]ags; DROP TABLE x --').list).toBe(
      'SELECT id, definition FROM [app].[fl]]ags; DROP TABLE x --] ORDER BY id',
    );
  });

  it('another table: schema and table created once, under an applock, with the default table columns', () => {
    expect(createFlagTableScript("ops.rollout's")).toBe(
      [
        'SET XACT_ABORT ON;',
        'BEGIN TRANSACTION;',
        'DECLARE @lock int;',
        "EXEC @lock = sys.sp_getapplock @Resource = N'schemashift.flag_table', @LockMode = N'Exclusive', " +
          "@LockOwner = N'Transaction', @LockTimeout = 60000;",
        "IF @lock < 0 THROW 50000, N'schemashift: timed out waiting for another writer creating the flag table', 1;",
        "IF SCHEMA_ID(N'ops') IS NULL EXEC(N'CREATE SCHEMA [ops]');",
        "IF OBJECT_ID(N'[ops].[rollout''s]', N'U') IS NULL CREATE TABLE [ops].[rollout's] (id nvarchar(400) NOT " +
          'NULL PRIMARY KEY, definition nvarchar(max) NOT NULL CHECK (ISJSON(definition) = 1), updated_at datetime2 ' +
          'NOT NULL DEFAULT SYSUTCDATETIME(), updated_by nvarchar(256) NULL);',
        'COMMIT TRANSACTION;',
      ].join('\n'),
    );
    expect(createFlagTableScript('flags')).not.toContain('SCHEMA_ID');
  });

  it('the default table is the state schema (migration 3), not created apart', async () => {
    const { db, scripts } = recorder();
    await mssqlFlagTable(db, 'schemashift.feature_flags').create();
    expect(scripts).toEqual([ensureSchemaScript()]);
    expect(ensureSchemaScript()).toContain('CREATE TABLE schemashift.feature_flags');
  });

  it('exists asks OBJECT_ID of the bracketed name, as a parameter', async () => {
    const { db, seen } = recorder(() => [{ ok: true }]);
    expect(await mssqlFlagTable(db, 'ops.flags').exists()).toBe(true);
    expect(seen).toEqual([
      {
        sql: "SELECT CONVERT(bit, CASE WHEN OBJECT_ID($1, N'U') IS NULL THEN 0 ELSE 1 END) AS ok",
        params: ['[ops].[flags]'],
      },
    ]);
  });

  it('writes take IX on the table (the neutral ROW EXCLUSIVE) and X on the flag row', () => {
    expect(mssqlFlagTable(recorder().db, 'ops.flags').writeLock).toEqual({
      level: 'ROW EXCLUSIVE',
      impact: 'blocks-ddl',
      on: ['ops.flags'],
    });
  });
});

describe('mssql flag table: compare-and-set', () => {
  it('compares with the text exactly as stored (spacing and key order kept), not a re-serialization', async () => {
    const { db, seen } = recorder((sql) =>
      sql.startsWith('SELECT definition') ? [{ definition: STORED }] : [{ written: 1 }],
    );
    const table = mssqlFlagTable(db, 'schemashift.feature_flags');
    const read = await table.read('new-checkout');
    expect(read).toEqual({ id: 'new-checkout', enabled: true, conditions: { client_filters: [] } });
    const next = { ...read!, enabled: false };
    expect(await table.replace('new-checkout', read!, next, 'ana@laptop')).toBe(true);
    expect(seen[1]?.params).toEqual(['new-checkout', JSON.stringify(next), 'ana@laptop', STORED]);
  });

  it('a definition it did not hand out is compared as JSON.stringify of it; 0 rows written is false', async () => {
    const { db, seen } = recorder(() => [{ written: 0 }]);
    const table = mssqlFlagTable(db, 'schemashift.feature_flags');
    const foreign = { id: 'f', enabled: true };
    expect(await table.replace('f', foreign, { id: 'f', enabled: false }, 'bo')).toBe(false);
    expect(seen[0]?.params[3]).toBe('{"id":"f","enabled":true}');
  });

  it('list keeps each text too, so a definition from list() compares exactly as well', async () => {
    const { db, seen } = recorder((sql) =>
      sql.startsWith('SELECT id') ? [{ id: 'new-checkout', definition: STORED }] : [{ written: 1 }],
    );
    const table = mssqlFlagTable(db, 'schemashift.feature_flags');
    const [row] = await table.list();
    await table.replace('new-checkout', row!.definition, { ...row!.definition, enabled: false }, 'bo');
    expect(seen[1]?.params[3]).toBe(STORED);
  });

  it('a stored definition that is not JSON is named', async () => {
    const { db } = recorder(() => [{ definition: '{oops' }]);
    await expect(mssqlFlagTable(db, 'f').read('x')).rejects.toThrow(
      'feature flag x: its stored definition is not JSON',
    );
  });

  it('insert: true when a row went in; a duplicate key (2627, 2601) is a lost race, not an error', async () => {
    const inserted = recorder(() => [{ written: 1 }]);
    expect(await mssqlFlagTable(inserted.db, 'f').insert('x', { id: 'x', enabled: true }, 'bo')).toBe(true);
    expect(inserted.seen[0]?.params).toEqual(['x', '{"id":"x","enabled":true}', 'bo']);
    const lost = recorder(() => [{ written: 0 }]);
    expect(await mssqlFlagTable(lost.db, 'f').insert('x', { id: 'x' }, 'bo')).toBe(false);
    for (const code of ['2627', '2601']) {
      const dup = recorder(() => new DatabaseError('Violation of PRIMARY KEY constraint', undefined, code));
      expect(await mssqlFlagTable(dup.db, 'f').insert('x', { id: 'x' }, 'bo')).toBe(false);
    }
    const other = recorder(() => new DatabaseError('String or binary data would be truncated', undefined, '2628'));
    await expect(mssqlFlagTable(other.db, 'f').insert('x', { id: 'x' }, 'bo')).rejects.toThrow('truncated');
  });
});

describe('mssql state and app statements', () => {
  it('the state part: the existing store, this flag table, these app statements', () => {
    expect(mssqlState.openStore(recorder().db)).toBeInstanceOf(MssqlStateStore);
    expect(mssqlState.app).toBe(mssqlAppState);
    expect(mssqlState.flagTable(recorder().db, 'f').writeLock.on).toEqual(['f']);
  });

  it('app statements name their parameters @p1… as SQL Server clients bind them ($1 is a money literal there)', () => {
    expect(mssqlAppState.readFlags('schemashift.feature_flags')).toBe(
      'SELECT id, definition FROM [schemashift].[feature_flags] ORDER BY id',
    );
    const insert = mssqlAppState.insertMismatch('schemashift.shadow_mismatches');
    expect(insert).toBe(
      'INSERT INTO [schemashift].[shadow_mismatches] (repository, method, args, old_result, new_result, error) ' +
        'VALUES (@p1, @p2, @p3, @p4, @p5, @p6)',
    );
    // An adapter that rewrites $n as schemashift's own driver does leaves them as they are.
    expect(toNamedParameters(insert)).toBe(insert);
  });
});
