/** SQL Server session and transaction statements: the exact text the runner would send. */
import { describe, expect, it } from 'vitest';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import { mssqlSession, requestTimeoutMs } from '../../../src/dialects/mssql/session.js';

const settings = mssqlSession.settings.bind(mssqlSession);

describe('mssql session settings', () => {
  it('SET LOCK_TIMEOUT in ms, the same for either scope (SQL Server has no transaction scope)', () => {
    expect(settings({ lockTimeoutMs: 2000, statementTimeoutMs: 60000 }, 'transaction')).toBe('SET LOCK_TIMEOUT 2000');
    expect(settings({ lockTimeoutMs: 2000, statementTimeoutMs: 60000 }, 'session')).toBe('SET LOCK_TIMEOUT 2000');
  });

  it('0 is no limit, as for PostgreSQL: -1 in T-SQL', () => {
    expect(settings({ lockTimeoutMs: 0 }, 'session')).toBe('SET LOCK_TIMEOUT -1');
  });

  it('statement timeout and synchronous commit have no server-side statement', () => {
    expect(settings({ statementTimeoutMs: 5000, synchronousCommit: false }, 'transaction')).toBe('');
    expect(settings({}, 'session')).toBe('');
  });

  it('refuses a value that is not a whole number of ms rather than splice it', () => {
    expect(() => settings({ lockTimeoutMs: 1.5 }, 'session')).toThrow(/not a timeout/);
    expect(() => settings({ lockTimeoutMs: -1 }, 'session')).toThrow(/not a timeout/);
    expect(() => settings({ lockTimeoutMs: Number.NaN }, 'session')).toThrow(/not a timeout/);
  });

  it('the statement timeout is the driver request timeout, 0 meaning none', () => {
    expect(requestTimeoutMs({ statementTimeoutMs: 60000 })).toBe(60000);
    expect(requestTimeoutMs({ statementTimeoutMs: 0 })).toBe(0);
    expect(requestTimeoutMs({ lockTimeoutMs: 5 })).toBe(0);
    expect(() => requestTimeoutMs({ statementTimeoutMs: Infinity })).toThrow(/not a timeout/);
  });
});

describe('mssql transactions', () => {
  it('begin, commit, and a rollback that is harmless when the transaction is already gone', () => {
    const tx = mssqlSession.transaction;
    expect(tx.begin).toBe('BEGIN TRANSACTION');
    expect(tx.commit).toBe('COMMIT TRANSACTION');
    expect(tx.rollback).toBe('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
  });

  it('a read-only query: XACT_ABORT on, in a transaction the caller always rolls back', () => {
    expect(mssqlSession.transaction.beginReadOnly).toBe('SET XACT_ABORT ON; BEGIN TRANSACTION');
    expect(mssqlSession.transaction.readOnly).toBe('SET XACT_ABORT ON');
  });
});

describe('mssql connection check', () => {
  it('reads the major version and has nothing to turn on', () => {
    expect(mssqlSession.connectionCheck.serverVersion).toBe(
      "SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int) AS v",
    );
    expect(mssqlSession.connectionCheck.enable(16)).toBeUndefined();
    expect(mssqlSession.connectionCheck.enable(15)).toBeUndefined();
  });
});

describe('mssql paused resumable index builds', () => {
  it('finds one by name and schema with the name as a parameter', () => {
    const check = mssqlSession.invalidIndex("[dbo].[ix a]]b'c]");
    expect(check.params).toEqual(["[dbo].[ix a]]b'c]"]);
    expect(check.sql).toBe(
      'SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM sys.index_resumable_operations AS r JOIN sys.objects AS o ON ' +
        'o.object_id = r.object_id\n WHERE r.state = 1 AND r.name = PARSENAME($1, 1) AND o.schema_id = ' +
        'SCHEMA_ID(COALESCE(PARSENAME($1, 2), SCHEMA_NAME()))) THEN 1 ELSE 0 END AS bit) AS invalid',
    );
    expect(check.sql).not.toContain('ix a');
    expect(toNamedParameters(check.sql)).toContain('PARSENAME(@p1, 1)');
    expect(toNamedParameters(check.sql)).toContain('PARSENAME(@p1, 2)');
  });

  it('aborts it through ALTER INDEX … ABORT built from catalog names, the plan name as an N literal', () => {
    const sql = mssqlSession.dropInvalidIndex("[sales].[ix_o'rder]");
    expect(sql).toBe(
      [
        'DECLARE @abort nvarchar(max);',
        "SELECT TOP (1) @abort = N'ALTER INDEX ' + QUOTENAME(r.name) + N' ON ' + " +
          "QUOTENAME(SCHEMA_NAME(o.schema_id)) + N'.' + QUOTENAME(o.name) + N' ABORT'",
        'FROM sys.index_resumable_operations AS r JOIN sys.objects AS o ON o.object_id = r.object_id',
        " WHERE r.state = 1 AND r.name = PARSENAME(N'[sales].[ix_o''rder]', 1) AND o.schema_id = " +
          "SCHEMA_ID(COALESCE(PARSENAME(N'[sales].[ix_o''rder]', 2), SCHEMA_NAME()));",
        'IF @abort IS NOT NULL EXEC sys.sp_executesql @abort;',
      ].join('\n'),
    );
  });

  it("keeps `$'`, `$&` and `$1` in a name as text", () => {
    const sql = mssqlSession.dropInvalidIndex("[ix$'$&$1]");
    expect(sql).toContain("PARSENAME(N'[ix$''$&$1]', 1)");
    expect(sql).toContain("PARSENAME(N'[ix$''$&$1]', 2)");
    expect(sql.match(/\$1/g)).toHaveLength(2);
  });

  it('says what it does', () => {
    expect(mssqlSession.invalidIndexMessage('ix_orders_customer')).toBe(
      'index ix_orders_customer has a paused resumable build (an online build was interrupted earlier): ' +
        'aborting it to build it again',
    );
  });
});
