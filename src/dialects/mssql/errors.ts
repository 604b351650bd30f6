/**
 * mssql/tedious errors → the runner's classes. An error arrives either as the driver threw it (a
 * RequestError with the server's `number`, a ConnectionError with a driver `code`) or wrapped by
 * db/driver-errors.ts as a DatabaseError whose `code` is that number as text, or an 08xxx / 28000
 * SQLSTATE for a connection it could not open or lost.
 */
import type { ErrorClass, ErrorClassifier } from '../errors.js';

/** Server error numbers the runner branches on (sys.messages). */
const BY_NUMBER: Readonly<Record<number, ErrorClass>> = {
  1222: 'lockTimeout', // Lock request time out period exceeded (SET LOCK_TIMEOUT)
  1205: 'deadlock', // … was deadlocked on lock resources … chosen as the deadlock victim
  3906: 'readOnly', // Failed to update database because the database is read-only
  3960: 'serialization', // Snapshot isolation transaction aborted due to update conflict
};

/**
 * The session is gone or going: 596 (session in the kill state), 6005 (SHUTDOWN in progress),
 * 233 / 10053 / 10054 (transport-level errors), 40197 / 40613 (Azure SQL failover, database not
 * available). Login failed (18456) and cannot open database (4060) are not here, like 28P01 and
 * 3D000 for PostgreSQL: reconnecting with the same URL would fail the same way.
 */
const LOST_NUMBERS: ReadonlySet<number> = new Set([233, 596, 6005, 10053, 10054, 40197, 40613]);

/** mssql/tedious/Node codes for a link that broke or never came up. */
const LOST_CODES: ReadonlySet<string> = new Set(['ESOCKET', 'ECONNRESET', 'ECONNCLOSED', 'ECLOSE', 'ENOCONN', 'EPIPE']);

const LOST_MESSAGE = /Connection (is )?closed|Connection lost|ECONNRESET|socket hang up/i;

interface DriverShape {
  name?: unknown;
  code?: unknown;
  number?: unknown;
  message?: unknown;
  errors?: unknown;
}

function shapeOf(error: unknown): DriverShape {
  return typeof error === 'object' && error !== null ? error : {};
}

/** The server's error number, whether the driver's own or kept as text by DatabaseError. */
function numberOf(e: DriverShape): number | undefined {
  if (typeof e.number === 'number') return e.number;
  return typeof e.code === 'string' && /^\d{1,6}$/.test(e.code) ? Number(e.code) : undefined;
}

function codeOf(e: DriverShape): string | undefined {
  if (typeof e.code === 'string') return e.code;
  const first = Array.isArray(e.errors) ? shapeOf(e.errors[0]) : {};
  return typeof first.code === 'string' ? first.code : undefined;
}

function isLost(e: DriverShape, code: string | undefined, number: number | undefined): boolean {
  if (number !== undefined && LOST_NUMBERS.has(number)) return true;
  if (code !== undefined && (LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  // ETIMEOUT: connecting timed out (ConnectionError); a RequestError ETIMEOUT is a statement timeout.
  if (code === 'ETIMEOUT' && e.name !== 'RequestError') return true;
  return typeof e.message === 'string' && LOST_MESSAGE.test(e.message);
}

export const mssqlErrors: ErrorClassifier = {
  classify(error) {
    const e = shapeOf(error);
    const code = codeOf(e);
    const number = numberOf(e);
    if (isLost(e, code, number)) return 'connectionLost';
    // The client's request timeout: SQL Server has no server-side statement timeout (session.ts).
    if (code === 'ETIMEOUT') return 'statementTimeout';
    return (number !== undefined ? BY_NUMBER[number] : undefined) ?? 'other';
  },
};
