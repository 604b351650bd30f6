/** The session, error and lock parts of the PostgreSQL dialect: the exact statements the runner sent before the seam. */
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/errors.js';
import { isLockWait } from '../../src/dialects/errors.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';

describe('postgres session settings', () => {
  const settings = postgres.session.settings.bind(postgres.session);

  it('a SQL step: lock and statement timeouts, per transaction or per session', () => {
    expect(settings({ lockTimeoutMs: 2000, statementTimeoutMs: 0 }, 'transaction')).toBe(
      "SET LOCAL lock_timeout = '2000ms'; SET LOCAL statement_timeout = '0ms'",
    );
    expect(settings({ lockTimeoutMs: 2000, statementTimeoutMs: 60000 }, 'session')).toBe(
      "SET lock_timeout = '2000ms'; SET statement_timeout = '60000ms'",
    );
  });

  it('a backfill batch, a worker batch, a verify record', () => {
    expect(settings({ lockTimeoutMs: 5, statementTimeoutMs: 6, synchronousCommit: false }, 'transaction')).toBe(
      "SET LOCAL lock_timeout = '5ms'; SET LOCAL statement_timeout = '6ms'; SET LOCAL synchronous_commit = off",
    );
    expect(settings({ lockTimeoutMs: 5, synchronousCommit: true }, 'transaction')).toBe(
      "SET LOCAL lock_timeout = '5ms'; SET LOCAL synchronous_commit = on",
    );
    expect(settings({ synchronousCommit: false }, 'transaction')).toBe('SET LOCAL synchronous_commit = off');
  });

  it('turns the client connection check on from PostgreSQL 14', () => {
    expect(postgres.session.connectionCheck.enable(130011)).toBeUndefined();
    expect(postgres.session.connectionCheck.enable(150004)).toBe("SET client_connection_check_interval = '1s'");
  });
});

describe('postgres error classes', () => {
  const classify = (code?: string, message = 'boom') =>
    postgres.errors.classify(new DatabaseError(message, undefined, code));

  it('classifies the SQLSTATEs the runner branches on', () => {
    expect(classify('55P03')).toBe('lockTimeout');
    expect(classify('40P01')).toBe('deadlock');
    expect(classify('57014')).toBe('statementTimeout');
    expect(classify('25006')).toBe('readOnly');
    expect(classify('40001')).toBe('serialization');
    expect(classify('23505')).toBe('other');
    expect(isLockWait(classify('55P03')) && isLockWait(classify('40P01'))).toBe(true);
    expect(isLockWait(classify('57014'))).toBe(false);
  });

  it('a lost connection: class 08, 57P01-03, or the drivers words for it', () => {
    for (const code of ['08006', '08001', '57P01', '57P02', '57P03']) expect(classify(code)).toBe('connectionLost');
    expect(classify(undefined, 'Connection terminated unexpectedly')).toBe('connectionLost');
    expect(postgres.errors.classify(new Error('write EPIPE'))).toBe('connectionLost');
    expect(postgres.errors.classify(new Error('syntax error'))).toBe('other');
  });
});
