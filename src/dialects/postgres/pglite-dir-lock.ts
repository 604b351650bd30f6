/**
 * A PGlite directory is one embedded server: two processes opening it at once would corrupt it, and
 * advisory locks cannot tell them apart (each process has its own backend). So the first process
 * holds an exclusive lock file naming itself; another one is refused (exit 3) with the holder named,
 * unless the holder's process is gone (then the stale lock is taken over).
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../db/process-alive.js';
import { LockedError } from '../../errors.js';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

const LOCK_FILE = 'schemashift.lock';

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

/** Take the directory's lock; returns the function that releases it. */
export function lockPgliteDirectory(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return () => {
        if (readHolder(path)?.pid === process.pid) unlinkSync(path);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(path);
      const stale = holder === undefined || (holder.host === me.host && !processAlive(holder.pid));
      if (!stale) {
        throw new LockedError(
          `the embedded database ${dir} is open in another process: host ${holder.host}, pid ${holder.pid}, ` +
            `since ${holder.since}`,
          'wait for that process to finish (an embedded database has one user at a time), or use a PostgreSQL ' +
            'server with --database',
        );
      }
      unlinkSync(path);
    }
  }
  throw new LockedError(`could not lock the embedded database ${dir}`, 'run again in a moment');
}
