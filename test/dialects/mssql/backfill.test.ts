import { describe, expect, it } from 'vitest';
import { mssqlBackfill as b, MSSQL_DEFAULT_BATCH_SIZE, transaction } from '../../../src/dialects/mssql/backfill.js';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';

const AFTER2 = '[order_id] >= $1 AND (([order_id] > $1) OR ([order_id] = $1 AND [line] > $2))';
const AFTER3 = '[a] >= $1 AND (([a] > $1) OR ([a] = $1 AND [b] > $2) OR ([a] = $1 AND [b] = $2 AND [c] > $3))';

describe('mssql backfill batches', () => {
  it('one key column: bound by OFFSET … FETCH, the greatest when fewer are left; UPDATE of the range', () => {
    const s = b.batchStatements({ table: 'dbo.orders', set: { customer_id: 'client_id' } }, ['id']);
    expect(s.nextBound).toBe(
      'SELECT TOP (1) CONVERT(nvarchar(4000), b.[id], 126) AS k1 FROM (SELECT 1 AS schemashift_rank, n.* FROM ' +
        '(SELECT [id] FROM [dbo].[orders] WHERE [id] > $1 ORDER BY [id] OFFSET ($2 - 1) ROWS FETCH NEXT 1 ROWS ONLY) AS n ' +
        'UNION ALL SELECT 2, g.* FROM (SELECT TOP (1) [id] FROM [dbo].[orders] WHERE [id] > $1 ORDER BY [id] DESC) AS g) ' +
        'AS b ORDER BY b.schemashift_rank',
    );
    expect(s.firstBound).toContain('FROM [dbo].[orders] ORDER BY [id] OFFSET ($1 - 1) ROWS');
    expect(s.firstUpdate).toBe('UPDATE [dbo].[orders] SET [customer_id] = client_id WHERE [id] <= $1');
    expect(s.nextUpdate).toBe('UPDATE [dbo].[orders] SET [customer_id] = client_id WHERE [id] > $1 AND [id] <= $2');
    expect(s.nextBoundWithin).toBe(
      'SELECT CONVERT(nvarchar(4000), n.[id], 126) AS k1 FROM (SELECT [id] FROM [dbo].[orders] WHERE [id] > $1 AND ' +
        '[id] <= $2 ORDER BY [id] OFFSET ($3 - 1) ROWS FETCH NEXT 1 ROWS ONLY) AS n',
    );
    expect(b.batchShape(s)).toBe(`${s.nextBound};\n${s.nextUpdate}`);
  });

  it('two key columns: the order spelled out, a seekable leading column, hostile names bracket-quoted', () => {
    const step = { table: 'sales.order lines', set: { 'a]b': "N'x''y'" }, where: 'qty > 0' };
    const s = b.batchStatements(step, ['order_id', 'line']);
    expect(s.firstUpdate).toBe(
      "UPDATE [sales].[order lines] SET [a]]b] = (N'x''y') WHERE [order_id] <= $1 AND (([order_id] < $1) OR " +
        '([order_id] = $1 AND [line] <= $2)) AND (qty > 0)',
    );
    expect(s.nextUpdate).toBe(
      `UPDATE [sales].[order lines] SET [a]]b] = (N'x''y') WHERE ${AFTER2} AND [order_id] <= $3 AND ` +
        '(([order_id] < $3) OR ([order_id] = $3 AND [line] <= $4)) AND (qty > 0)',
    );
    expect(s.nextBound).toContain(`WHERE ${AFTER2} AND (qty > 0) ORDER BY [order_id], [line] OFFSET ($3 - 1) ROWS`);
    expect(s.nextBound).toContain('ORDER BY [order_id] DESC, [line] DESC) AS g');
    expect(s.nextBoundWithin).toContain('OFFSET ($5 - 1) ROWS FETCH NEXT 1 ROWS ONLY) AS n');
  });

  it('three key columns', () => {
    const s = b.batchStatements({ table: 'ev', set: { v: 'v + 1' } }, ['a', 'b', 'c']);
    expect(s.nextUpdate).toBe(
      `UPDATE [ev] SET [v] = (v + 1) WHERE ${AFTER3} AND [a] <= $4 AND (([a] < $4) OR ([a] = $4 AND [b] < $5) OR ` +
        '([a] = $4 AND [b] = $5 AND [c] <= $6))',
    );
    expect(s.nextBound).toContain('k3 FROM (SELECT 1 AS schemashift_rank');
    expect(s.nextBound).toContain('OFFSET ($4 - 1) ROWS');
  });

  it('hostile table and key names never end the quoting; keys and sizes stay parameters', () => {
    const s = b.batchStatements({ table: "x'].[y", set: { 'é]': 'k' } }, ["k]'; DROP TABLE t--"]);
    expect(s.nextUpdate).toBe(
      "UPDATE [x']]].[[y] SET [é]]] = k WHERE [k]]'; DROP TABLE t--] > $1 AND [k]]'; DROP TABLE t--] <= $2",
    );
    expect(toNamedParameters(s.nextUpdate)).toBe(
      "UPDATE [x']]].[[y] SET [é]]] = k WHERE [k]]'; DROP TABLE t--] > @p1 AND [k]]'; DROP TABLE t--] <= @p2",
    );
  });

  it('remaining rows counted with COUNT_BIG after the checkpoint', () => {
    expect(b.remainingCount({ table: 'x', where: 'y = 1' }, ['k1', 'k2'], true)).toBe(
      'SELECT COUNT_BIG(*) AS n FROM [x] WHERE [k1] >= $1 AND (([k1] > $1) OR ([k1] = $1 AND [k2] > $2)) AND (y = 1)',
    );
    expect(b.remainingCount({ table: 'x' }, ['id'], false)).toBe('SELECT COUNT_BIG(*) AS n FROM [x]');
  });

  it('a trailing -- comment in where cannot swallow the rest', () => {
    const s = b.batchStatements({ table: 't', set: { c: 'd' }, where: 'e = 1 -- note' }, ['id']);
    expect(s.firstUpdate).toBe('UPDATE [t] SET [c] = d WHERE [id] <= $1 AND (e = 1 -- note\n)');
  });

  it('default batch size stays under the 5,000 locks of lock escalation', () => {
    expect(MSSQL_DEFAULT_BATCH_SIZE).toBeLessThan(5000);
  });
});

describe('mssql backfill transactions', () => {
  it('lock timeout and delayed durability', () => {
    expect(transaction({ lockTimeoutMs: 2500, durableCommit: false })).toEqual({
      begin: 'SET XACT_ABORT ON; SET LOCK_TIMEOUT 2500; BEGIN TRANSACTION',
      commit: 'COMMIT TRANSACTION WITH (DELAYED_DURABILITY = ON)',
      rollback: 'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION',
    });
    expect(transaction({ durableCommit: true }).commit).toBe('COMMIT TRANSACTION WITH (DELAYED_DURABILITY = OFF)');
    expect(transaction({ lockTimeoutMs: 0 }).begin).toBe('SET XACT_ABORT ON; SET LOCK_TIMEOUT -1; BEGIN TRANSACTION');
  });

  it('settings SQL Server has no statement for write nothing', () => {
    expect(transaction({ readOnly: true, statementTimeoutMs: 1000 })).toEqual({
      begin: 'SET XACT_ABORT ON; BEGIN TRANSACTION',
      commit: 'COMMIT TRANSACTION',
      rollback: 'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION',
    });
  });

  it('estimated rows from sys.partitions, the object id a parameter', async () => {
    const seen: { sql: string; params: unknown[] }[] = [];
    const db = {
      query: (sql: string, params: unknown[] = []) => {
        seen.push({ sql, params });
        return Promise.resolve({ rows: [{ n: null }], rowCount: 1 });
      },
      exec: () => Promise.resolve(),
    };
    expect(await b.estimatedRows(db as never, 42)).toBe(-1);
    expect(seen).toEqual([
      {
        sql: 'SELECT CONVERT(float, SUM(p.rows)) AS n FROM sys.partitions AS p WHERE p.object_id = $1 AND p.index_id IN (0, 1)',
        params: [42],
      },
    ]);
  });
});

describe('mssql verify fix', () => {
  it('two key columns: the range as N literals (quotes doubled), NULL-safe difference without IS DISTINCT FROM', () => {
    const step = { table: 'dbo.t', compare: { new_c: 'CONVERT(bigint, old_c)', 'n]2': 'x' }, where: 'a = 1' };
    expect(b.fixStatement(step, ['k1', 'k2'], { first: ["O'Brien", '1'], last: ['Zoë', '9'] })).toBe(
      "UPDATE [dbo].[t] SET [new_c] = (CONVERT(bigint, old_c)), [n]]2] = x WHERE [k1] >= N'O''Brien' AND " +
        "(([k1] > N'O''Brien') OR ([k1] = N'O''Brien' AND [k2] >= N'1')) AND [k1] <= N'Zoë' AND " +
        "(([k1] < N'Zoë') OR ([k1] = N'Zoë' AND [k2] <= N'9')) AND (NOT EXISTS (SELECT [new_c] INTERSECT SELECT " +
        '(CONVERT(bigint, old_c))) OR NOT EXISTS (SELECT [n]]2] INTERSECT SELECT x)) AND (a = 1);',
    );
  });

  it('one key column', () => {
    expect(b.fixStatement({ table: 't', compare: { c: 'd' } }, ['id'], { first: ['1'], last: ['5'] })).toBe(
      "UPDATE [t] SET [c] = d WHERE [id] >= N'1' AND [id] <= N'5' AND NOT EXISTS (SELECT [c] INTERSECT SELECT d);",
    );
  });
});
