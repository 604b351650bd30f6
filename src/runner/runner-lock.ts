/**
 * One runner per plan: a session-level lock keyed on the plan name (RunnerLockSql), held on the
 * runner's session for the whole run. The runner's application_name names its host and pid, so a lock left
 * behind by a killed runner (its backend may still be running the last statement) can be told from
 * a live one and taken over.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable, Session } from '../db/connection.js';
import { processAlive } from '../db/process-alive.js';
import type { RunnerLockSql } from '../dialects/runner-lock.js';

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
  const who =
    h.host && h.pid
      ? `host ${h.host}, pid ${h.pid}`
      : `backend pid ${h.backendPid}${h.applicationName ? ` (${h.applicationName})` : ''}`;
  return `${who}${h.since ? `, since ${h.since.toISOString()}` : ''}`;
}

export async function tryRunnerLock(lock: RunnerLockSql, session: Session, planName: string): Promise<boolean> {
  const { sql, params } = lock.tryLock(planLockKey(planName));
  const { rows } = await session.query<{ ok: boolean }>(sql, params);
  return rows[0]?.ok === true;
}

export async function releaseRunnerLock(lock: RunnerLockSql, session: Session, planName: string): Promise<void> {
  const { sql, params } = lock.unlock(planLockKey(planName));
  await session.query(sql, params);
}

interface HolderRow {
  pid: number;
  application_name: string | null;
  backend_start: Date | null;
}

export async function findLockHolder(
  lock: RunnerLockSql,
  db: Queryable,
  planName: string,
): Promise<LockHolder | undefined> {
  const { sql, params } = lock.findHolder(planLockKey(planName));
  const { rows } = await db.query<HolderRow>(sql, params);
  const row = rows[0];
  if (!row) return undefined;
  const parsed = /^schemashift (\S+) (\d+)/.exec(row.application_name ?? '');
  const pid = parsed ? Number(parsed[2]) : null;
  return {
    backendPid: row.pid,
    host: parsed?.[1] ?? null,
    pid,
    since: row.backend_start,
    applicationName: row.application_name,
  };
}

/** A holder whose runner process ran on this host and no longer exists. */
export function isOrphan(holder: LockHolder, host = hostname()): boolean {
  return holder.host === host && holder.pid !== null && holder.pid !== process.pid && !processAlive(holder.pid);
}

/** Terminate an orphaned backend and wait (up to `timeoutMs`) until it is gone. */
export async function terminateOrphan(
  lock: RunnerLockSql,
  db: Queryable,
  holder: LockHolder,
  timeoutMs = 10_000,
): Promise<boolean> {
  const terminate = lock.terminate(holder.backendPid);
  await db.query(terminate.sql, terminate.params);
  const exists = lock.sessionCount(holder.backendPid);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ n: number }>(exists.sql, exists.params);
    if (rows[0]?.n === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
