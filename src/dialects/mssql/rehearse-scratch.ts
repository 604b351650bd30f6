/** Scratch databases for a rehearsal on SQL Server: CREATE DATABASE and DROP DATABASE on one server. */
import type { Queryable } from '../../db/connection.js';
import { DatabaseError, UsageError } from '../../errors.js';
import type { ScratchDatabases } from '../rehearsal.js';
import { ident, literal } from './sql-names.js';

export const createDatabaseSql = (name: string): string => `CREATE DATABASE ${ident(name)}`;

/**
 * Only if it is there; SINGLE_USER WITH ROLLBACK IMMEDIATE ends the sessions still connected to it (a
 * pool's idle connections), which DROP DATABASE would otherwise wait on or refuse (error 3702).
 * https://learn.microsoft.com/sql/t-sql/statements/drop-database-transact-sql
 */
export const dropDatabaseSql = (name: string): string =>
  `IF DB_ID(${literal(name)}) IS NOT NULL\nBEGIN\n` +
  `  ALTER DATABASE ${ident(name)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n` +
  `  DROP DATABASE ${ident(name)};\nEND`;

/** 262: CREATE DATABASE permission denied in database 'master'. */
const PERMISSION_DENIED = '262';

async function createDatabase(admin: Queryable, name: string, displayUrl: string): Promise<void> {
  try {
    await admin.exec(createDatabaseSql(name));
  } catch (e) {
    if (e instanceof DatabaseError && e.code === PERMISSION_DENIED) {
      throw new UsageError(
        `${displayUrl}: this login may not create databases, and a rehearsal needs a scratch database`,
        'grant it CREATE ANY DATABASE (or the dbcreator server role), or use another login',
      );
    }
    throw e;
  }
}

export function scratchDatabases(admin: Queryable): Promise<ScratchDatabases> {
  return Promise.resolve({
    create: (name, displayUrl) => createDatabase(admin, name, displayUrl),
    drop: (name) => admin.exec(dropDatabaseSql(name)),
  });
}
