/**
 * `doctor --replica URL`: each standby asked itself (also one the primary cannot see, such as a
 * cascading replica): reachable, a standby at all, a standby of the primary's cluster on its database,
 * receiving WAL, replay paused, and its own replay lag against
 * `--replica-lag`. One check per replica, named by host:port (never the user or password).
 */
import type { Queryable } from '../db/connection.js';
import type { ActivitySql } from '../dialects/activity.js';
import { identityMismatch, serverIdentity, type ServerIdentity } from '../runner/replicas.js';
import { ageText, type DoctorCheckResult, type DoctorStatus } from './types.js';

export interface ReplicaToCheck {
  /** host:port */
  name: string;
  /** Connects to the replica; rejects when it cannot. */
  open(): Promise<Queryable & { close(): Promise<void> }>;
}

interface StandbyRow {
  standby: boolean;
  ms: number;
  paused: boolean;
  receiving?: boolean | null;
}

function result(
  name: string,
  status: DoctorStatus,
  finding: string,
  fix: string | null,
  details: Record<string, unknown>,
): DoctorCheckResult {
  return { id: 'replica', title: `replica ${name}`, status, finding, fix, details: [{ replica: name, ...details }] };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? String(e);
}

function lagFinding(name: string, row: StandbyRow, maxLagMs: number, activity: ActivitySql): DoctorCheckResult {
  const lagSeconds = Math.round(Number(row.ms) / 100) / 10;
  const details = {
    reachable: true,
    standby: true,
    lagSeconds,
    paused: row.paused,
    receiving: row.receiving !== false,
  };
  // Replay has caught up with what it received, which is nothing new: a lag of 0 says nothing here.
  if (row.receiving === false)
    return result(
      name,
      'fail',
      'not receiving WAL (no streaming WAL receiver): it falls behind the primary while its replay lag reads ' +
        `${lagSeconds}s, and run --replica waits for it before contract DDL`,
      "check primary_conninfo there and the standby's log; its WAL receiver shows up once it streams again",
      details,
    );
  if (row.paused)
    return result(
      name,
      'fail',
      `replay is paused, lag ${lagSeconds}s: it will not catch up by itself, and run --replica waits for it`,
      activity.pausedReplayHint,
      details,
    );
  if (Number(row.ms) > maxLagMs)
    return result(
      name,
      'warn',
      `replay lag ${lagSeconds}s > ${ageText(maxLagMs / 1000)}`,
      'find what holds replay back there (long queries with hot_standby_feedback, I/O); backfills with ' +
        'max_replica_lag and contract steps wait for it when run with --replica',
      details,
    );
  return result(name, 'ok', `standby, replay lag ${lagSeconds}s`, null, details);
}

export async function checkReplica(
  replica: ReplicaToCheck,
  activity: ActivitySql,
  maxLagMs: number,
  primary: ServerIdentity,
): Promise<DoctorCheckResult> {
  let db: Awaited<ReturnType<ReplicaToCheck['open']>>;
  try {
    db = await replica.open();
  } catch (e) {
    return result(
      replica.name,
      'fail',
      `unreachable: ${firstLine(e)}`,
      'check the URL, that the standby is up and that it accepts connections from here',
      { reachable: false },
    );
  }
  try {
    const standby = (await db.query<{ standby: boolean }>(activity.isStandby)).rows[0]?.standby === true;
    if (!standby) {
      const refused = activity.notAStandby(replica.name);
      return result(replica.name, 'fail', refused.message, refused.hint, { reachable: true, standby: false });
    }
    const mismatch = identityMismatch(replica.name, primary, await serverIdentity(db, activity));
    if (mismatch !== null)
      return result(
        replica.name,
        'fail',
        mismatch,
        "give the URL of a standby of the primary's cluster, with the primary's database name",
        { reachable: true, standby: true, samePrimary: false },
      );
    const row = (await db.query<StandbyRow>(activity.standbyLag)).rows[0];
    return lagFinding(replica.name, row ?? { standby: true, ms: 0, paused: false }, maxLagMs, activity);
  } catch (e) {
    return result(replica.name, 'warn', `could not read its lag: ${firstLine(e)}`, null, { reachable: true });
  } finally {
    await db.close().catch(() => undefined);
  }
}
