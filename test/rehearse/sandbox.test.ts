/** Scratch database URLs derived from the admin URL, and the server each dialect rehearses on. */
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/db/url.js';
import { mssql } from '../../src/dialects/mssql/mssql-dialect.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { databaseUrl, serverSandbox } from '../../src/rehearse/sandbox.js';

const neverConnect = () => Promise.reject(new Error('should not connect'));

describe('serverSandbox', () => {
  it('points the admin URL at a scratch database, PostgreSQL and both SQL Server forms', () => {
    expect(databaseUrl('postgres://u:p@h:5432/postgres?sslmode=disable', 'scratch_1')).toBe(
      'postgres://u:p@h:5432/scratch_1?sslmode=disable',
    );
    const url = databaseUrl('sqlserver://sa:p%40ss@h:1433/master?encrypt=true&trustServerCertificate=true', 's_1');
    expect(url).toBe('sqlserver://sa:p%40ss@h:1433/s_1?encrypt=true&trustServerCertificate=true');
    expect(parseDatabaseUrl(url)).toMatchObject({ scheme: 'mssql', host: 'h', database: 's_1', user: 'sa' });
    expect(parseDatabaseUrl(databaseUrl('sqlserver://h:1433', 's_2'))).toMatchObject({ database: 's_2' });
    const jdbc = databaseUrl('sqlserver://h:1433;databaseName=master;user=sa;password={a;b};', 's_3');
    expect(jdbc).toBe('sqlserver://h:1433;databaseName=master;user=sa;password={a;b};databaseName=s_3');
    expect(parseDatabaseUrl(jdbc)).toMatchObject({ scheme: 'mssql', database: 's_3', user: 'sa' });
    expect((parseDatabaseUrl(jdbc) as { password?: string }).password).toBe('a;b');
  });

  it('refuses a server of the other engine before connecting', async () => {
    const deps = (dialect: typeof mssql) => ({ connect: neverConnect, dialect, applicationName: 't' });
    await expect(serverSandbox(deps(mssql), 'postgres://u@h/db')).rejects.toThrow(
      /--database postgres:\/\/u@h\/db: a rehearsal creates scratch databases, which needs a SQL Server/,
    );
    await expect(serverSandbox(deps(postgres), 'sqlserver://u@h/db')).rejects.toThrow(
      /which needs a PostgreSQL server/,
    );
  });
});
