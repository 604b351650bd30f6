import { describe, expect, it } from 'vitest';
import { maskUrl, passwordsIn, redact } from '../../src/db/index.js';

const SECRET = 's3cr3t-Pa55';

describe('maskUrl', () => {
  it.each([
    [`postgres://app:${SECRET}@db:5432/orders`, 'postgres://app:****@db:5432/orders'],
    [
      `postgresql://app:${encodeURIComponent('p@ss?#/')}@db/orders?sslmode=require`,
      'postgresql://app:****@db/orders?sslmode=require',
    ],
    ['postgres://app:p@ss@db/orders', 'postgres://app:****@db/orders'],
    ['postgres://app:a#b?c@db/orders', 'postgres://app:****@db/orders'],
    // An `@` in the query cannot be told from one in an unencoded password: masked up to it, to be safe.
    ['postgres://app:pw@db/orders?options=x@y', 'postgres://app:****@y'],
    [`postgres://app:p@ss/w:rd#?${SECRET}@db/orders`, 'postgres://app:****@db/orders'],
    ['postgres://app@db/orders', 'postgres://app@db/orders'],
    ['postgres://db:5432/orders', 'postgres://db:5432/orders'],
    [
      `postgres://db/orders?user=app&password=${SECRET}&sslmode=require`,
      'postgres://db/orders?user=app&password=****&sslmode=require',
    ],
    [`sqlserver://sa:${SECRET}@sql:1433/app?encrypt=true`, 'sqlserver://sa:****@sql:1433/app?encrypt=true'],
    ['sqlserver://sa:pa;ss@sql/app', 'sqlserver://sa:****@sql/app'],
    [
      `sqlserver://sql:1433;databaseName=app;user=sa;password={a;b@c}}d};encrypt=false`,
      'sqlserver://sql:1433;databaseName=app;user=sa;password=****;encrypt=false',
    ],
    [`Server=sql;Database=app;User Id=sa;Pwd=${SECRET};`, 'Server=sql;Database=app;User Id=sa;Pwd=****;'],
    [`host=db user=app password='${SECRET} x' dbname=orders`, 'host=db user=app password=**** dbname=orders'],
    [`host=db sslpassword=${SECRET}`, 'host=db sslpassword=****'],
    [`postgres//app:${SECRET}@db/orders`, 'postgres//app:****@db/orders'],
    [`app:${SECRET}@db/orders`, 'app:****@db/orders'],
    ['localhost:5432/orders', 'localhost:5432/orders'],
    ['pglite://./data', 'pglite://./data'],
    ['pglite://memory', 'pglite://memory'],
  ])('%s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
});

describe('passwordsIn', () => {
  it('finds every spelling: as written, decoded, encoded, braced', () => {
    expect(passwordsIn(`postgres://u:${encodeURIComponent('a b@c')}@h/d`)).toEqual(
      expect.arrayContaining(['a%20b%40c', 'a b@c']),
    );
    expect(passwordsIn('sqlserver://h;password={x;y}}z}')).toEqual(expect.arrayContaining(['x;y}z']));
    expect(passwordsIn('postgres://u@h/d')).toEqual([]);
  });
});

describe('redact', () => {
  const url = `postgres://app:${SECRET}@db:5432/orders`;

  it('removes the password wherever a driver echoed it', () => {
    const text = `invalid input syntax for type integer: "${SECRET}" while connecting to ${url}`;
    const out = redact(text, url);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('postgres://app:****@db:5432/orders');
  });

  it('removes the decoded and the encoded form', () => {
    const tricky = `${SECRET}/#?`;
    const u = `postgres://app:${encodeURIComponent(tricky)}@db/orders`;
    const out = redact(`a ${tricky} b ${encodeURIComponent(tricky)} c`, u);
    expect(out).not.toContain(SECRET);
  });

  it('masks URLs and password= pairs it does not know about', () => {
    expect(redact(`retry with mssql://sa:${SECRET}@other/db or password=${SECRET}`)).toBe(
      'retry with mssql://sa:****@other/db or password=****',
    );
  });

  it('a very short password is removed only where it stands alone', () => {
    expect(redact('password authentication failed: pw', 'postgres://u:pw@h/d')).toBe(
      'password authentication failed: ****',
    );
  });
});
