/**
 * The one place outside `cli/` that maps a plan's `dialect:` to its implementation, so that plan
 * loading can check fragments with the right parser. Everything else receives a Dialect.
 */
import type { ConnectOptions, Connection } from '../db/connection.js';
import type { DatabaseTarget } from '../db/url.js';
import { UsageError } from '../errors.js';
import type { Dialect, DialectName } from './dialect.js';
import { postgres } from './postgres/postgres-dialect.js';

const DIALECTS: Partial<Record<DialectName, Dialect>> = { postgres };

export function dialectNamed(name: DialectName, planName = 'the plan'): Dialect {
  const dialect = DIALECTS[name];
  if (dialect) return dialect;
  throw new UsageError(
    `${planName} declares dialect: ${name}; this release generates SQL for PostgreSQL only (SQL Server ` +
      `connections are supported, its operations are not yet)`,
    'use dialect: postgres, or keep the SQL Server change in a raw migration for now',
  );
}

/** Opens a connection to `target` with its database's driver, loaded on first use (db/connection.ts connect). */
export async function openDriver(target: DatabaseTarget, options: ConnectOptions): Promise<Connection> {
  switch (target.scheme) {
    case 'postgres':
      return (await import('./postgres/driver-pg.js')).connectPg(target, options);
    case 'pglite':
      return (await import('./postgres/driver-pglite.js')).connectPglite(target);
    case 'mssql':
      return (await import('./mssql/driver-mssql.js')).connectMssql(target, options);
  }
}
