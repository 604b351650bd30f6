import { DatabaseError } from '../errors.js';

/**
 * The runner's backend went away (terminated, server restart, network): the run can go on after
 * reconnecting, because every step is idempotent by catalog probe or recorded atomically.
 */
export function isConnectionLost(e: unknown): boolean {
  if (e instanceof DatabaseError && e.code && (/^08/.test(e.code) || ['57P01', '57P02', '57P03'].includes(e.code))) return true;
  const message = e instanceof Error ? e.message : String(e);
  return /Connection terminated|connection (was )?closed|not queryable|ECONNRESET|EPIPE|server closed the connection/i.test(message);
}
