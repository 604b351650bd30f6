/**
 * The second Ctrl-C or SIGTERM during `schemashift refresh`: the process quits (130), but first ends
 * the refresh's session on the server, from a side connection and within a few seconds. Exiting alone
 * would leave the REFRESH running wherever the server does not notice the client is gone (PostgreSQL
 * before 14, a pooler or proxy that keeps the server connection), holding the view's lock: the next
 * run would exit 3 and readers of a blocking refresh would stay queued.
 *
 * The session is terminated, not just its statement cancelled: a cancel would leave the session, and
 * with it the view's session-level advisory lock, for as long as the server connection lives. Only the
 * backend this process opened for its refreshes is touched.
 */
import type { Connection } from '../db/connection.js';
import { dialectNamed } from '../dialects/registry.js';
import { terminateOrphan } from '../runner/runner-lock.js';
import type { Io } from './io.js';

const runnerLockOf = (conn: Connection) => dialectNamed(conn.dialect).runnerLock;

/** How long the side connection may take to end the session before the process exits anyway. */
export const END_REFRESH_TIMEOUT_MS = 3000;

export interface RefreshQuit {
  /** The backend running the refreshes while its session is open; null before and after. */
  sessionPid: number | null;
  /** Set by the second signal: settles never (the process exits 130 when the server was told, or the time is up). */
  pending?: Promise<never>;
  /** What interruptSignal calls on the second signal; a third one exits at once. */
  quit: (name: string) => void;
}

async function endSession(conn: Connection, pid: number): Promise<boolean> {
  const holder = { backendPid: pid, host: null, pid: null, since: null, applicationName: null };
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), END_REFRESH_TIMEOUT_MS).unref());
  const ended = terminateOrphan(runnerLockOf(conn), conn, holder, END_REFRESH_TIMEOUT_MS);
  return Promise.race([ended.catch(() => false), timeout]);
}

export function refreshQuit(conn: Connection, io: Io): RefreshQuit {
  const state: RefreshQuit = {
    sessionPid: null,
    quit: (name) => {
      const pid = state.sessionPid;
      if (state.pending !== undefined || pid === null || conn.kind === 'pglite') return void process.exit(130);
      io.err(`\n${name}: ending the refresh on the server (backend pid ${pid}), then quitting\n`);
      state.pending = endSession(conn, pid).then((ended) => {
        if (!ended)
          io.err(`schemashift: backend pid ${pid} may still be refreshing: ${runnerLockOf(conn).endSessionByHand}\n`);
        return process.exit(130);
      });
    },
  };
  return state;
}
