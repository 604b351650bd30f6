import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, resolveDatabaseUrl } from '../../src/db/index.js';
import { UsageError } from '../../src/errors.js';

const SECRET = 's3cr3t-Pa55';

describe('parseDatabaseUrl', () => {
  it.each([
    [
      'postgres://app:pw@db.internal:6432/orders',
      { scheme: 'postgres', host: 'db.internal', port: 6432, database: 'orders', user: 'app' },
    ],
    [
      'postgresql://app@db.internal/orders?sslmode=require',
      { scheme: 'postgres', host: 'db.internal', port: 5432, database: 'orders', user: 'app' },
    ],
    [
      'postgres://localhost',
      { scheme: 'postgres', host: 'localhost', port: 5432, database: undefined, user: undefined },
    ],
    [
      'postgres://%40dmin@[::1]:5433/my%20db',
      { scheme: 'postgres', host: '[::1]', port: 5433, database: 'my db', user: '@dmin' },
    ],
    ['POSTGRES://u@h/d', { scheme: 'postgres', host: 'h', database: 'd' }],
    [
      'sqlserver://sa:pw@sql.internal/app',
      {
        scheme: 'mssql',
        host: 'sql.internal',
        port: 1433,
        database: 'app',
        user: 'sa',
        encrypt: true,
        trustServerCertificate: false,
      },
    ],
    [
      'mssql://sa@sql.internal:14330/app?encrypt=false&TrustServerCertificate=true',
      { scheme: 'mssql', port: 14330, encrypt: false, trustServerCertificate: true },
    ],
    [
      'sqlserver://sa@sql.internal/app?instanceName=SQLEXPRESS&connectTimeout=3',
      { scheme: 'mssql', port: null, instanceName: 'SQLEXPRESS', connectTimeoutMs: 3000 },
    ],
    [
      'sqlserver://sql.internal:1444;databaseName=app;user=sa;password={p;w}}x};trustServerCertificate=true',
      { scheme: 'mssql', host: 'sql.internal', port: 1444, database: 'app', user: 'sa', trustServerCertificate: true },
    ],
    [
      'sqlserver://sql.internal\\SQLEXPRESS;database=app',
      { scheme: 'mssql', host: 'sql.internal', port: null, instanceName: 'SQLEXPRESS', database: 'app' },
    ],
    ['pglite://memory', { scheme: 'pglite', dataDir: null }],
    ['pglite://./data/db', { scheme: 'pglite', dataDir: '/srv/app/data/db' }],
    ['pglite://data/db', { scheme: 'pglite', dataDir: '/srv/app/data/db' }],
    ['pglite://../shared', { scheme: 'pglite', dataDir: '/srv/shared' }],
    ['pglite:///var/lib/db', { scheme: 'pglite', dataDir: '/var/lib/db' }],
  ])('%s', (url, expected) => {
    expect(parseDatabaseUrl(url, '/srv/app')).toMatchObject(expected);
  });

  it('keeps the password and URL for the driver but out of enumerable fields, JSON and inspect', () => {
    const target = parseDatabaseUrl(`postgres://app:${encodeURIComponent('p@ss/' + SECRET)}@h/d`);
    expect(target.scheme === 'postgres' && target.password).toBe(`p@ss/${SECRET}`);
    expect(target.url).toContain(SECRET);
    expect(target.displayUrl).toBe('postgres://app:****@h/d');
    expect(JSON.stringify(target)).not.toContain(SECRET);
    expect(inspect(target, { depth: 5 })).not.toContain(SECRET);
    const jdbc = parseDatabaseUrl(`sqlserver://h;user=sa;password={${SECRET};x}`);
    expect(jdbc.scheme === 'mssql' && jdbc.password).toBe(`${SECRET};x`);
    expect(JSON.stringify(jdbc)).not.toContain(SECRET);
  });

  it.each([
    ['mysql://root:' + SECRET + '@h/db', /unsupported database URL scheme "mysql:"/],
    ['localhost:5432/db', /database URL must start with localhost:\/\//],
    ['just-a-name', /no scheme/],
    ['', /no scheme/],
    [`postgres//u:${SECRET}@h/db`, /no scheme/],
    [`postgres:/u:${SECRET}@h/db`, /must start with postgres:\/\//],
    [`postgres://u:${SECRET}@h:99999/db`, /not a valid database URL/],
    [`postgres://u:${SECRET}@h:5432/%E0%A4%A`, /malformed percent-encoding/],
    ['pglite://', /without a directory/],
    [`sqlserver://sa:${SECRET}@h/db?encrpyt=true`, /unknown SQL Server option "encrpyt"/],
    [`sqlserver://sa:${SECRET}@h/db?encrypt=maybe`, /encrypt must be true or false/],
    [`sqlserver://sa:${SECRET}@h/db?connectTimeout=-1`, /whole number of seconds/],
    [`sqlserver://h;password={${SECRET}`, /unterminated/],
    [`sqlserver://h:http;password=${SECRET}`, /invalid port/],
  ])('refuses %j with a UsageError that names the accepted forms and hides the password', (url, message) => {
    let caught: unknown;
    try {
      parseDatabaseUrl(url);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const error = caught as UsageError;
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/postgres:\/\/.*sqlserver:\/\/.*pglite:\/\/memory/);
    expect(`${error.message} ${error.hint} ${error.stack}`).not.toContain(SECRET);
  });
});

describe('resolveDatabaseUrl', () => {
  it('--database wins over DATABASE_URL', () => {
    expect(resolveDatabaseUrl({ database: 'pglite://memory' }, { DATABASE_URL: 'postgres://h/d' })).toBe(
      'pglite://memory',
    );
  });

  it('falls back to DATABASE_URL', () => {
    expect(resolveDatabaseUrl({}, { DATABASE_URL: 'postgres://h/d' })).toBe('postgres://h/d');
    expect(resolveDatabaseUrl({ database: undefined }, { DATABASE_URL: ' postgres://h/d ' })).toBe('postgres://h/d');
  });

  it('neither given: a UsageError that says how to give one', () => {
    expect(() => resolveDatabaseUrl({}, {})).toThrow(UsageError);
    expect(() => resolveDatabaseUrl({ database: '' }, { DATABASE_URL: '  ' })).toThrow(/no database given/);
    try {
      resolveDatabaseUrl({}, {});
    } catch (e) {
      expect((e as UsageError).hint).toMatch(/--database URL or set DATABASE_URL/);
    }
  });
});
