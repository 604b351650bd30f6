/**
 * The one place outside `cli/` that maps a plan's `dialect:` to its implementation, so that plan
 * loading can check fragments with the right parser. Everything else receives a Dialect.
 */
import type { ConnectOptions, Connection } from '../db/connection.js';
import type { DatabaseTarget } from '../db/url.js';
import type { Dialect, DialectName } from './dialect.js';
import { mssql } from './mssql/mssql-dialect.js';
import { postgres } from './postgres/postgres-dialect.js';

const DIALECTS: Record<DialectName, Dialect> = { postgres, mssql };

/** The dialect a plan declares (`dialect:`) or a connection speaks. */
export function dialectNamed(name: DialectName): Dialect {
  return DIALECTS[name];
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
