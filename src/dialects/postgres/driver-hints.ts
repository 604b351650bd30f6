import type { ErrorContext } from '../../db/driver-errors.js';

/** What to do about the SQLSTATEs a person can fix, when the server gave no hint of its own. */
export const POSTGRES_HINTS: Readonly<Record<string, (ctx: ErrorContext) => string>> = {
  '3D000': (c) => `create the database on ${c.endpoint}, or fix the database name in --database / DATABASE_URL`,
  '28P01': () => 'check the user and password in --database / DATABASE_URL (the password is never shown)',
  '28000': () => 'the server refused this user from this host: check pg_hba.conf and the user name in the URL',
  '57P01': () => 'the server terminated the connection (restart or pg_terminate_backend); run again to resume',
  '53300': () => 'the server has no free connection slots: close idle sessions or raise max_connections',
};
