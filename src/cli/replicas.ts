/**
 * `--replica URL`: connect to each standby the run watches, checking it is one and that it is a copy of the
 * primary's database (same cluster, same database): a standby of anything else would be waited for and read
 * on as if it held the primary's rows.
 */
import { connect, parseDatabaseUrl, type Connection, type Queryable } from '../db/index.js';
import type { ActivitySql } from '../dialects/activity.js';
import { DatabaseError, UsageError } from '../errors.js';
import { identityMismatch, serverIdentity, type Replica, type ServerIdentity } from '../runner/replicas.js';

export interface OpenReplicas {
  replicas: Replica[];
  close(): Promise<void>;
}

/** A `--replica` URL, checked before anything is opened. */
export interface ReplicaUrl {
  url: string;
  /** host:port: never the user or password. */
  name: string;
}

interface Opened {
  replica: Replica;
  conn: Connection;
}

function parsedReplicaUrl(url: string, cwd?: string): ReturnType<typeof parseDatabaseUrl> {
  try {
    return parseDatabaseUrl(url, cwd);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--replica: ${e.message}`, e.hint);
    throw e;
  }
}

/** Every `--replica` URL parsed (a bad one is a usage error, exit 2), so that nothing is opened for a typo. */
export function parseReplicaUrls(urls: string[], cwd?: string): ReplicaUrl[] {
  return urls.map((url) => {
    const target = parsedReplicaUrl(url, cwd);
    if (target.scheme !== 'postgres')
      throw new UsageError(
        `--replica ${target.displayUrl}: a replica must be a PostgreSQL standby`,
        'give its postgres:// URL (host and port of the standby)',
      );
    return { url, name: `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}` };
  });
}

/** A connection failure names the flag to fix: --replica, not --database. */
function replicaUnreachable(name: string, e: unknown): unknown {
  if (!(e instanceof DatabaseError) || e.code !== '08001') return e;
  return new DatabaseError(
    `--replica ${name}: ${e.message}`,
    `check that the standby is running and accepts connections on ${name}, or fix that --replica URL`,
    e.code,
  );
}

async function openOne(
  target: ReplicaUrl,
  applicationName: string,
  activity: ActivitySql,
  primary: ServerIdentity,
): Promise<Opened> {
  const conn = await connect(target.url, { applicationName }).catch((e: unknown) => {
    throw replicaUnreachable(target.name, e);
  });
  try {
    const { rows } = await conn.query<{ standby: boolean }>(activity.isStandby);
    if (!rows[0]?.standby) {
      const refused = activity.notAStandby(target.name);
      throw new UsageError(refused.message, refused.hint);
    }
    const mismatch = identityMismatch(target.name, primary, await serverIdentity(conn, activity));
    if (mismatch !== null)
      throw new UsageError(
        `${mismatch}; nothing was run`,
        "give the URL of a standby of the primary's cluster, with the primary's database name",
      );
  } catch (e) {
    await conn.close();
    throw e;
  }
  return { replica: { name: target.name, db: conn, session: (fn) => conn.session(fn) }, conn };
}

/**
 * Connect to every `--replica` (URLs or parseReplicaUrls' result), checking each is a standby of `primary`'s
 * cluster on its database; all or none are left open.
 */
export async function openReplicas(
  urls: (string | ReplicaUrl)[],
  applicationName: string,
  activity: ActivitySql,
  primary: Queryable,
): Promise<OpenReplicas> {
  const targets = urls.map((u) => (typeof u === 'string' ? parseReplicaUrls([u])[0]! : u));
  const opened: Opened[] = [];
  const close = async () => void (await Promise.all(opened.map((o) => o.conn.close())));
  if (targets.length === 0) return { replicas: [], close };
  const primaryIdentity = await serverIdentity(primary, activity);
  try {
    for (const target of targets) opened.push(await openOne(target, applicationName, activity, primaryIdentity));
  } catch (e) {
    await close();
    throw e;
  }
  return { replicas: opened.map((o) => o.replica), close };
}
