/** SQL Server: no server can run here, so parameters, batches and a failed connection only. */
import { describe, expect, it } from 'vitest';
import { silentServer } from './silent-server.js';
import { splitBatches, toNamedParameters } from '../../src/dialects/mssql/driver-mssql.js';
import { connect } from '../../src/db/index.js';
import { DatabaseError } from '../../src/errors.js';

const SECRET = 's3cr3t-Pa55';

describe('toNamedParameters', () => {
  it.each([
    ['SELECT $1, $2 + $10', 'SELECT @p1, @p2 + @p10'],
    ["SELECT '$1' AS s, $1 AS p", "SELECT '$1' AS s, @p1 AS p"],
    ["SELECT 'it''s $2', $2", "SELECT 'it''s $2', @p2"],
    ['SELECT [col$1], "x$1", $1', 'SELECT [col$1], "x$1", @p1'],
    ['SELECT a$1 FROM t WHERE id = $1', 'SELECT a$1 FROM t WHERE id = @p1'],
    ['SELECT $1 -- and $2\n, /* $3 */ $4', 'SELECT @p1 -- and $2\n, /* $3 */ @p4'],
    ['SELECT $x, $', 'SELECT $x, $'],
  ])('%j', (input, output) => {
    expect(toNamedParameters(input)).toBe(output);
  });
});

describe('splitBatches', () => {
  it('splits at GO lines only', () => {
    expect(
      splitBatches('CREATE TABLE t (id int)\nGO\nINSERT INTO t VALUES (1)\n  go  \nSELECT ago FROM t\nGO;\n'),
    ).toEqual(['CREATE TABLE t (id int)\n', '\nINSERT INTO t VALUES (1)\n', '\nSELECT ago FROM t\n']);
    expect(splitBatches('SELECT 1; SELECT 2')).toEqual(['SELECT 1; SELECT 2']);
  });
});

describe('mssql connection', () => {
  it.each([
    `sqlserver://sa:${SECRET}@127.0.0.1:1/app?encrypt=false`,
    `mssql://sa:${SECRET}@127.0.0.1:1/app`,
    `sqlserver://127.0.0.1:1;databaseName=app;user=sa;password={${SECRET}};trustServerCertificate=true`,
  ])('a closed port fails fast with a DatabaseError without the password: %s', async (url) => {
    const started = Date.now();
    const e = await connect(url).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e).toBeInstanceOf(DatabaseError);
    const error = e as DatabaseError;
    expect(error.code).toBe('08001');
    expect(error.message).toMatch(/^cannot connect to (sqlserver|mssql):\/\/.* at 127\.0\.0\.1:1/);
    expect(error.hint).toMatch(/127\.0\.0\.1:1/);
    expect(`${error.message}\n${error.hint}\n${error.stack}\n${JSON.stringify(error)}`).not.toContain(SECRET);
  });

  it('connectTimeout in the URL bounds a server that accepts but never answers', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const e = await connect(`sqlserver://sa:${SECRET}@127.0.0.1:${silent.port}/app?connectTimeout=1`).catch(
        (err: unknown) => err,
      );
      expect(Date.now() - started).toBeLessThan(4000);
      expect(e).toBeInstanceOf(DatabaseError);
      expect((e as DatabaseError).message).toMatch(/timed out/);
      expect((e as Error).message).not.toContain(SECRET);
    } finally {
      await silent.close();
    }
  });
});
