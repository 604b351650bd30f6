import { connect, type Connection } from '../db/index.js';
import type { Io } from './io.js';

/** With nothing configured, runs go to an embedded PostgreSQL in this folder (said out loud). */
export const DEFAULT_PGLITE_URL = 'pglite://./.schemashift/pglite';

export function databaseUrl(option: string | undefined, io: Io): string {
  const url = option ?? io.env.DATABASE_URL;
  if (url) return url;
  io.err(`schemashift: no --database and no DATABASE_URL: using the embedded PostgreSQL (PGlite) at ${DEFAULT_PGLITE_URL.slice('pglite://'.length)}\n`);
  return DEFAULT_PGLITE_URL;
}

export async function openDatabase(option: string | undefined, io: Io, applicationName: string): Promise<Connection> {
  const url = databaseUrl(option, io);
  return connect(url, { applicationName, cwd: io.cwd });
}

