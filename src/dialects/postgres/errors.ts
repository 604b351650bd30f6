import type { ErrorClass, ErrorClassifier } from '../errors.js';

/** SQLSTATEs the runner branches on. */
const BY_SQLSTATE: Readonly<Record<string, ErrorClass>> = {
  '55P03': 'lockTimeout',
  '40P01': 'deadlock',
  '57014': 'statementTimeout',
  '25006': 'readOnly',
  '40001': 'serialization',
};

/** admin_shutdown, crash_shutdown, cannot_connect_now: the backend is gone. Class 08 too. */
const LOST_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03']);

/** How node-postgres, PGlite and Node sockets say the link broke when no SQLSTATE came with it. */
const LOST_MESSAGE =
  /Connection terminated|connection (was )?closed|not queryable|ECONNRESET|EPIPE|server closed the connection/i;

function sqlstateOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A class-08 ERROR (not FATAL) comes from a backend that is still there: postgres_fdw or dblink could
 * not reach *their* server. That is the step's failure, not a lost connection of the runner's.
 */
function fromLiveBackend(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { severity?: unknown }).severity === 'ERROR';
}

function isLost(error: unknown, code: string | undefined): boolean {
  if (code !== undefined && code.startsWith('08') && !fromLiveBackend(error)) return true;
  if (code !== undefined && LOST_SQLSTATES.has(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return LOST_MESSAGE.test(message);
}

export const postgresErrors: ErrorClassifier = {
  classify(error) {
    const code = sqlstateOf(error);
    if (isLost(error, code)) return 'connectionLost';
    return (code !== undefined ? BY_SQLSTATE[code] : undefined) ?? 'other';
  },
};
