/** Open the runner's session: the plan lock (taking over an orphan), connection checks, state tables. */
import type { Connection, Queryable, Session } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { SessionSql } from '../dialects/session.js';

import { LockedError } from '../errors.js';
import type { RunnerListener } from './events.js';
import { describeHolder, findLockHolder, isOrphan, terminateOrphan, tryRunnerLock } from './runner-lock.js';

export async function acquirePlanLock(
  dialect: Dialect,
  conn: Connection,
  session: Session,
  planName: string,
  emit: RunnerListener,
): Promise<void> {
  const lock = dialect.runnerLock;
  const observer: Queryable = conn.kind === 'pglite' ? session : conn;
  for (let tries = 0; tries < 5; tries++) {
    if (await tryRunnerLock(lock, session, planName)) return;
    const holder = await findLockHolder(lock, observer, planName);
    if (!holder) continue;
    if (isOrphan(holder)) {
      const who = describeHolder(holder);
      const gone = `plan ${planName} is locked by a runner that no longer exists (${who})`;
      emit({ type: 'info', message: `${gone}: terminating its backend ${holder.backendPid} and taking over` });
      await terminateOrphan(lock, observer, holder);
      continue;
    }
    throw new LockedError(
      `plan ${planName} is being run by another runner: ${describeHolder(holder)}`,
      'wait for it to finish, or see `schemashift status`; if that process is gone for good, its session ends when ' +
        `the server notices (or ${lock.endSessionByHand})`,
    );
  }
  throw new LockedError(`plan ${planName}: could not take the runner lock after 5 tries`, 'run again in a moment');
}

/** Where the server can, it notices a vanished client within a second even mid-statement. */
export async function enableConnectionCheck(sql: SessionSql, session: Session): Promise<void> {
  try {
    const { rows } = await session.query<{ v: number }>(sql.connectionCheck.serverVersion);
    const enable = sql.connectionCheck.enable(rows[0]?.v ?? 0);
    if (enable !== undefined) await session.exec(enable);
  } catch {
    // Not every build has it (PGlite has no client socket): orphans are then found by the lock check.
  }
}

/**
 * Everything run and rollback do before touching a step: take the plan lock, ask the server to
 * notice a vanished client, and open the state store (on the session for PGlite, which has a single
 * backend; on the pool otherwise, with the pool also watching the session for lock waits).
 */
export async function prepareRunnerSession(
  dialect: Dialect,
  conn: Connection,
  session: Session,
  planName: string,
  emit: RunnerListener,
) {
  await acquirePlanLock(dialect, conn, session, planName, emit);
  await enableConnectionCheck(dialect.session, session);
  const embedded = conn.kind === 'pglite';
  return {
    store: dialect.state.openStore(embedded ? session : conn),
    monitor: embedded ? null : (conn as Queryable),
    sessionPid: await session.backendPid(),
  };
}
