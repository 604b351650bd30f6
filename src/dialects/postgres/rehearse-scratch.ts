/** Scratch databases for a rehearsal: CREATE DATABASE and DROP DATABASE on one server. */
import type { Queryable } from '../../db/connection.js';
import { DatabaseError, UsageError } from '../../errors.js';
import type { ScratchDatabases } from '../rehearsal.js';
import { quoteIdent } from './names.js';

/** CREATE DATABASE fails (55006) while another session is connected to template1: a moment later it works. */
async function createDatabase(admin: Queryable, name: string, displayUrl: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.exec(`CREATE DATABASE ${quoteIdent(name)}`);
      return;
    } catch (e) {
      if (!(e instanceof DatabaseError && e.code === '55006') || attempt >= 5) refuseCreate(e, displayUrl);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function refuseCreate(e: unknown, displayUrl: string): never {
  if (e instanceof DatabaseError && e.code === '42501') {
    throw new UsageError(
      `${displayUrl}: this role may not create databases, and a rehearsal needs a scratch database`,
      'grant it CREATEDB (ALTER ROLE … CREATEDB), use another role, or leave --database out to rehearse on an ' +
        'embedded PGlite',
    );
  }
  throw e;
}

export async function scratchDatabases(admin: Queryable): Promise<ScratchDatabases> {
  const { rows } = await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  const force = Number(rows[0]?.v ?? 0) >= 130000;
  return {
    create: (name, displayUrl) => createDatabase(admin, name, displayUrl),
    async drop(name) {
      if (!force) {
        const terminate =
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()';
        await admin.query(terminate, [name]);
      }
      await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${force ? ' WITH (FORCE)' : ''}`);
    },
  };
}
