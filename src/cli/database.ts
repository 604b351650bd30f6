import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connect, parseDatabaseUrl, type Connection } from '../db/index.js';
import { NoDatabaseError } from '../errors.js';
import type { Io } from './io.js';

/** With nothing configured, runs go to an embedded PostgreSQL in this folder (said out loud). */
export const DEFAULT_PGLITE_URL = 'pglite://./.schemashift/pglite';

export function databaseUrl(option: string | undefined, io: Io): string {
  const url = option ?? io.env.DATABASE_URL;
  if (url) return url;
  io.err(
    `schemashift: no --database and no DATABASE_URL: using the embedded PostgreSQL ` +
      `(PGlite) at ${DEFAULT_PGLITE_URL.slice('pglite://'.length)}\n`,
  );
  return DEFAULT_PGLITE_URL;
}

export interface OpenOptions {
  /**
   * The command has nothing to do on a database that does not exist yet (status, pause/resume,
   * flags list/get, rollback, doctor): a missing embedded database is an error (exit 4), never
   * created just to be found empty, which would read as "nothing has run".
   */
  mustExist?: boolean;
}

/**
 * Refuse (exit 4) an embedded database that does not exist: opening it would create an empty one.
 * PGlite keeps a PostgreSQL data directory: PG_VERSION is there once it has been created.
 */
export function refuseMissingEmbedded(url: string, io: Io): void {
  const target = parseDatabaseUrl(url, io.cwd);
  if (target.scheme !== 'pglite' || target.dataDir === null || existsSync(join(target.dataDir, 'PG_VERSION'))) return;
  const where = relative(io.cwd, target.dataDir) || '.';
  const isDefault = url === DEFAULT_PGLITE_URL;
  throw new NoDatabaseError(
    `no embedded database at ${where.startsWith('..') ? target.dataDir : `./${where}`}${
      isDefault ? ' (the default: no --database and no DATABASE_URL)' : ''
    }: nothing was read, and none was created`,
    'point at the database the plan runs on: --database postgres://user@host:5432/db or DATABASE_URL=…; for ' +
      'an embedded one, run from the folder that holds .schemashift/ or pass --database pglite://path/to/dir',
  );
}

export async function openDatabase(
  option: string | undefined,
  io: Io,
  applicationName: string,
  opts: OpenOptions = {},
): Promise<Connection> {
  const url = databaseUrl(option, io);
  if (opts.mustExist) refuseMissingEmbedded(url, io);
  return connect(url, { applicationName, cwd: io.cwd });
}
