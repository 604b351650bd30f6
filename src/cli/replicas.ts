/** `--replica URL`: connect to each standby the backfill throttle watches, checking it is one. */
import { connect, parseDatabaseUrl, type Connection } from '../db/index.js';
import type { ActivitySql } from '../dialects/activity.js';
import { UsageError } from '../errors.js';
import type { Replica } from '../runner/replicas.js';

export interface OpenReplicas {
  replicas: Replica[];
  close(): Promise<void>;
}

interface Opened {
  replica: Replica;
  conn: Connection;
}

async function openOne(url: string, applicationName: string, activity: ActivitySql): Promise<Opened> {
  const target = parseDatabaseUrl(url);
  if (target.scheme !== 'postgres') {
    throw new UsageError(
      `--replica ${target.displayUrl}: a replica must be a PostgreSQL standby`,
      'give its postgres:// URL (host and port of the standby)',
    );
  }
  const name = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const conn = await connect(url, { applicationName });
  const { rows } = await conn.query<{ standby: boolean }>(activity.isStandby).catch(async (e: unknown) => {
    await conn.close();
    throw e;
  });
  if (!rows[0]?.standby) {
    await conn.close();
    const refused = activity.notAStandby(name);
    throw new UsageError(refused.message, refused.hint);
  }
  return { replica: { name, db: conn, session: (fn) => conn.session(fn) }, conn };
}

/** Connect to every `--replica` URL, checking each is a standby; all or none are left open. */
export async function openReplicas(
  urls: string[],
  applicationName: string,
  activity: ActivitySql,
): Promise<OpenReplicas> {
  const opened: Opened[] = [];
  const close = async () => void (await Promise.all(opened.map((o) => o.conn.close())));
  try {
    for (const url of urls) opened.push(await openOne(url, applicationName, activity));
  } catch (e) {
    await close();
    throw e;
  }
  return { replicas: opened.map((o) => o.replica), close };
}
