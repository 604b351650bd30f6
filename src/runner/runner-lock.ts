/**
 * One runner per plan: a session-level advisory lock keyed on the plan name, held on the runner's
 * session for the whole run. The runner's application_name names its host and pid, so a lock left
 * behind by a killed runner (its backend may still be running the last statement) can be told from
 * a live one and taken over.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable, Session } from '../db/connection.js';

export const RUNNER_LOCK_CLASS = 0x5c4e3a02;

export function planLockKey(planName: string): number {
  return createHash('sha256').update(planName).digest().readUInt32BE(0) & 0x7fffffff;
}

export function runnerApplicationName(planName: string, pid = process.pid, host = hostname()): string {
  return `schemashift ${host} ${pid} ${planName}`.slice(0, 63);
}

export interface LockHolder {
  backendPid: number;
  host: string | null;
  pid: number | null;
  since: Date | null;
  applicationName: string | null;
}

export function describeHolder(h: LockHolder): string {
  const who = h.host && h.pid ? `host ${h.host}, pid ${h.pid}` : `backend pid ${h.backendPid}${h.applicationName ? ` (${h.applicationName})` : ''}`;
  return `${who}${h.since ? `, since ${h.since.toISOString()}` : ''}`;
}

export async function tryRunnerLock(session: Session, planName: string): Promise<boolean> {
  const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [RUNNER_LOCK_CLASS, planLockKey(planName)]);
  return rows[0]?.ok === true;
}

export async function releaseRunnerLock(session: Session, planName: string): Promise<void> {
  await session.query('SELECT pg_advisory_unlock($1, $2)', [RUNNER_LOCK_CLASS, planLockKey(planName)]);
}

export async function findLockHolder(db: Queryable, planName: string): Promise<LockHolder | undefined> {
  const { rows } = await db.query<{ pid: number; application_name: string | null; backend_start: Date | null }>(
    `SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2`,
    [RUNNER_LOCK_CLASS, planLockKey(planName)],
  );
  const row = rows[0];
  if (!row) return undefined;
  const parsed = /^schemashift (\S+) (\d+)/.exec(row.application_name ?? '');
  return { backendPid: row.pid, host: parsed?.[1] ?? null, pid: parsed ? Number(parsed[2]) : null, since: row.backend_start, applicationName: row.application_name };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder whose runner process ran on this host and no longer exists. */
export function isOrphan(holder: LockHolder, host = hostname()): boolean {
  return holder.host === host && holder.pid !== null && holder.pid !== process.pid && !processAlive(holder.pid);
}

/** Terminate an orphaned backend and wait (up to `timeoutMs`) until it is gone. */
export async function terminateOrphan(db: Queryable, holder: LockHolder, timeoutMs = 10_000): Promise<boolean> {
  await db.query('SELECT pg_terminate_backend($1)', [holder.backendPid]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [holder.backendPid]);
    if (rows[0]?.n === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
