/**
 * mssql/tedious errors → the runner's classes, both as the driver throws them (its own error classes)
 * and as db/driver-errors.ts hands them on (DatabaseError).
 */
import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { toDatabaseError } from '../../../src/db/driver-errors.js';
import { isLockWait } from '../../../src/dialects/errors.js';
import { mssqlErrors } from '../../../src/dialects/mssql/errors.js';
import { DatabaseError } from '../../../src/errors.js';

const classify = (e: unknown) => mssqlErrors.classify(e);
const ctx = { url: 'mssql://sa:secret@db:1433/app', displayUrl: 'mssql://sa:***@db:1433/app', endpoint: 'db:1433' };

function serverError(number: number, message: string): sql.RequestError {
  const e = new sql.RequestError(message, 'EREQUEST');
  e.number = number;
  return e;
}

describe('mssql error classes from server error numbers', () => {
  it('1222 is a lock timeout, 1205 a deadlock: both retried as lock waits', () => {
    const timeout = serverError(1222, 'Lock request time out period exceeded.');
    const deadlock = serverError(1205, 'Transaction (Process ID 53) was deadlocked on lock resources');
    expect(classify(timeout)).toBe('lockTimeout');
    expect(classify(deadlock)).toBe('deadlock');
    expect(isLockWait(classify(timeout))).toBe(true);
    expect(isLockWait(classify(deadlock))).toBe(true);
  });

  it('the same numbers once wrapped by driver-errors as DatabaseError', () => {
    expect(classify(toDatabaseError(serverError(1222, 'Lock request time out period exceeded.'), ctx))).toBe(
      'lockTimeout',
    );
    expect(classify(toDatabaseError(serverError(1205, 'deadlocked'), ctx))).toBe('deadlock');
    expect(classify(new DatabaseError('x', undefined, '3906'))).toBe('readOnly');
    expect(classify(new DatabaseError('x', undefined, '3960'))).toBe('serialization');
  });

  it('a read-only database and a snapshot update conflict', () => {
    expect(classify(serverError(3906, 'Failed to update database "app" because the database is read-only.'))).toBe(
      'readOnly',
    );
    expect(classify(serverError(3960, 'Snapshot isolation transaction aborted due to update conflict.'))).toBe(
      'serialization',
    );
  });

  it('login failed (18456) and cannot open database (4060) are not retried, like 28P01 and 3D000', () => {
    expect(classify(serverError(18456, "Login failed for user 'sa'."))).toBe('other');
    expect(classify(serverError(4060, 'Cannot open database "app" requested by the login.'))).toBe('other');
    expect(classify(new sql.ConnectionError("Login failed for user 'sa'.", 'ELOGIN'))).toBe('other');
    expect(classify(toDatabaseError(new sql.ConnectionError('Login failed', 'ELOGIN'), ctx, true))).toBe('other');
  });

  it('a session killed or a server shutting down is a lost connection', () => {
    expect(classify(serverError(596, 'Cannot continue the execution because the session is in the kill state.'))).toBe(
      'connectionLost',
    );
    expect(classify(serverError(6005, 'SHUTDOWN is in progress.'))).toBe('connectionLost');
    expect(classify(serverError(40613, 'Database on server is not currently available.'))).toBe('connectionLost');
  });

  it('any other error is other', () => {
    expect(classify(serverError(2627, 'Violation of UNIQUE KEY constraint'))).toBe('other');
    expect(classify(serverError(8001, 'x'))).toBe('other');
    expect(classify(new Error('boom'))).toBe('other');
    expect(classify('a string')).toBe('other');
    expect(classify(null)).toBe('other');
    expect(classify(undefined)).toBe('other');
  });
});

describe('mssql error classes from driver codes', () => {
  it('ESOCKET, ECONNRESET, ECONNCLOSED and a connect ETIMEOUT: the connection is lost', () => {
    expect(classify(new sql.ConnectionError('Connection lost - read ECONNRESET', 'ESOCKET'))).toBe('connectionLost');
    expect(classify(new sql.ConnectionError('Connection is closed.', 'ECONNCLOSED'))).toBe('connectionLost');
    expect(classify(new sql.RequestError('Connection is closed.', 'ECONNCLOSED'))).toBe('connectionLost');
    expect(classify(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('connectionLost');
    expect(classify(new sql.ConnectionError('Failed to connect in 15000ms', 'ETIMEOUT'))).toBe('connectionLost');
  });

  it('a request ETIMEOUT is the client-side statement timeout', () => {
    expect(classify(new sql.RequestError('Timeout: Request failed to complete in 60000ms', 'ETIMEOUT'))).toBe(
      'statementTimeout',
    );
  });

  it('lost connections once wrapped by driver-errors (08xxx)', () => {
    expect(classify(toDatabaseError(new sql.ConnectionError('Connection is closed.', 'ECONNCLOSED'), ctx))).toBe(
      'connectionLost',
    );
    expect(classify(toDatabaseError(new sql.ConnectionError('getaddrinfo', 'ESOCKET'), ctx, true))).toBe(
      'connectionLost',
    );
    expect(classify(new DatabaseError('lost', undefined, '08006'))).toBe('connectionLost');
  });

  it('the first of several errors (one per address) carries the code', () => {
    const aggregate = Object.assign(new Error(''), { errors: [{ code: 'ESOCKET' }, { code: 'ESOCKET' }] });
    expect(classify(aggregate)).toBe('connectionLost');
  });
});
