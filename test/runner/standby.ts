/**
 * A real streaming standby of the local PostgreSQL for replica tests: pg_basebackup into a temp
 * directory owned by the `postgres` OS user, started with pg_ctl on a free port. Replication needs a
 * pg_hba.conf line for the `replication` pseudo-database (`all` does not cover it); when the server
 * has none, one is added for 127.0.0.1 while the standby exists and removed again on teardown. The
 * standby streams through a replication slot (dropped on teardown), so that checkpoints on a busy
 * primary cannot remove WAL it still needs.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { asPostgres, freePort } from '../support/cluster-process.js';
import { waitFor } from './seed.js';

const run = promisify(execFile);
const HBA_MARK = '# schemashift replica test: temporary, removed on teardown';
export const STANDBY_NAME = 'schemashift_test_standby';

export interface Standby {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  port: number;
  /** Stops the server only (as a replica that goes away); stop() still tears everything down. */
  halt(): Promise<void>;
  stop(): Promise<void>;
}

async function one<T>(url: string, sql: string): Promise<T | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return (await c.query(sql)).rows[0] as T | undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Why a standby cannot be made here, or null. Each reason says exactly what is missing. */
export async function standbyUnavailable(adminUrl: string): Promise<string | null> {
  const settings = await one<{
    major: string;
    wal_level: string;
    senders: number;
    used: number;
    slots: number;
    slotsUsed: number;
    hba: string;
  }>(
    adminUrl,
    `SELECT current_setting('server_version_num')::int / 10000 AS major, current_setting('wal_level') AS wal_level,
       current_setting('max_wal_senders')::int AS senders, (SELECT count(*)::int FROM pg_stat_replication) AS used,
       current_setting('max_replication_slots')::int AS slots, (SELECT count(*)::int FROM pg_replication_slots) AS "slotsUsed", current_setting('hba_file') AS hba`,
  );
  if (!settings) return 'the server did not answer';
  const bin = `/usr/lib/postgresql/${settings.major}/bin`;
  if (!existsSync(join(bin, 'pg_basebackup'))) return `pg_basebackup is missing (looked in ${bin})`;
  if (userInfo().username !== 'root' && userInfo().username !== 'postgres')
    return `the test runs as ${userInfo().username}: it must be root or postgres to start a server as postgres`;
  if (settings.wal_level === 'minimal')
    return 'wal_level is minimal on the primary (replica is needed; changing it needs a restart)';
  if (settings.senders - settings.used < 2)
    return `max_wal_senders = ${settings.senders} leaves no free WAL sender (two are needed: pg_basebackup -X stream and the standby)`;
  if (settings.slots - settings.slotsUsed < 1)
    return `max_replication_slots = ${settings.slots} leaves no free slot for the standby`;
  if (!existsSync(settings.hba)) return `pg_hba.conf (${settings.hba}) is not on this machine: the server is not local`;
  return null;
}

async function binDir(adminUrl: string): Promise<string> {
  const row = await one<{ major: number }>(
    adminUrl,
    "SELECT current_setting('server_version_num')::int / 10000 AS major",
  );
  return `/usr/lib/postgresql/${row?.major}/bin`;
}

function removeMarkedLines(hba: string): boolean {
  const text = readFileSync(hba, 'utf8');
  if (!text.includes(HBA_MARK)) return false;
  writeFileSync(
    hba,
    text
      .split('\n')
      .filter((line) => !line.includes(HBA_MARK))
      .join('\n'),
  );
  return true;
}

/** What a killed earlier run left: its pg_hba.conf line and its replication slots (which keep WAL on the primary). */
async function cleanUpAfterEarlierRuns(adminUrl: string): Promise<void> {
  const row = await one<{ hba: string }>(adminUrl, "SELECT current_setting('hba_file') AS hba");
  if (row && removeMarkedLines(row.hba)) await one(adminUrl, 'SELECT pg_reload_conf()');
  await one(
    adminUrl,
    `SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name LIKE '${STANDBY_NAME}%' AND NOT active`,
  );
}

/** Allows replication connections from 127.0.0.1 unless a rule already does; returns the undo. */
async function allowReplication(adminUrl: string): Promise<() => Promise<void>> {
  const rules = await one<{ n: number; hba: string }>(
    adminUrl,
    "SELECT count(*) FILTER (WHERE 'replication' = ANY (database) AND type LIKE 'host%')::int AS n, current_setting('hba_file') AS hba FROM pg_hba_file_rules",
  );
  if (!rules || rules.n > 0) return () => Promise.resolve();
  const hba = rules.hba;
  const original = readFileSync(hba, 'utf8');
  writeFileSync(
    hba,
    `${original.endsWith('\n') ? original : `${original}\n`}host replication all 127.0.0.1/32 trust ${HBA_MARK}\n`,
  );
  await one(adminUrl, 'SELECT pg_reload_conf()');
  return async () => {
    removeMarkedLines(hba);
    await one(adminUrl, 'SELECT pg_reload_conf()');
  };
}

/** The slot keeps the WAL the standby still needs (checkpoints on a busy primary would remove it); it must go with the standby. */
async function dropSlot(adminUrl: string, slot: string): Promise<void> {
  await waitFor(
    `replication slot ${slot} to be released`,
    async () => {
      const row = await one<{ active: boolean | null }>(
        adminUrl,
        `SELECT (SELECT active FROM pg_replication_slots WHERE slot_name = '${slot}') AS active`,
      );
      return row?.active !== true;
    },
    10_000,
  );
  await one(
    adminUrl,
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`,
  );
}

/** The settings a hot standby must have at least as high as its primary. */
async function standbyConf(adminUrl: string): Promise<string> {
  const names = [
    'max_connections',
    'max_worker_processes',
    'max_wal_senders',
    'max_prepared_transactions',
    'max_locks_per_transaction',
  ];
  const row = await one<Record<string, string>>(
    adminUrl,
    `SELECT ${names.map((n) => `current_setting('${n}') AS ${n}`).join(', ')}`,
  );
  return (
    [`cluster_name = '${STANDBY_NAME}'`, 'hot_standby = on', ...names.map((n) => `${n} = ${row?.[n]}`)].join('\n') +
    '\n'
  );
}

export async function startStandby(adminUrl: string): Promise<Standby> {
  const bin = await binDir(adminUrl);
  const primary = new URL(adminUrl);
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-standby-'));
  const data = join(dir, 'data');
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  chownSync(dir, uid, gid);
  let started = false;
  await cleanUpAfterEarlierRuns(adminUrl);
  const disallow = await allowReplication(adminUrl);
  const port = await freePort();
  const slot = `${STANDBY_NAME}_${port}`;
  const halt = async () => {
    if (!started) return;
    started = false;
    await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch((e: Error) =>
      console.error(`standby stop: ${e.message}`),
    );
  };
  const stop = async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    await dropSlot(adminUrl, slot).catch((e: Error) =>
      console.error(`!!! could not drop replication slot ${slot} (it keeps WAL on the primary): ${e.message}`),
    );
    await disallow();
  };
  try {
    const from = ['-h', primary.hostname, '-p', primary.port || '5432', '-U', primary.username || 'postgres'];
    await asPostgres(join(bin, 'pg_basebackup'), [
      ...from,
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '-C',
      '-S',
      slot,
    ]);
    for (const [file, text] of [
      ['postgresql.conf', await standbyConf(adminUrl)],
      ['pg_hba.conf', 'local all all trust\nhost all all 127.0.0.1/32 trust\n'],
      ['pg_ident.conf', ''],
    ] as const) {
      writeFileSync(join(data, file), text);
      chownSync(join(data, file), uid, gid);
    }
    started = true;
    await asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
    const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    await waitFor('the standby to stream from the primary', async () => {
      const row = await one<{ standby: boolean; streaming: boolean }>(
        url('postgres'),
        "SELECT pg_is_in_recovery() AS standby, EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming",
      ).catch(() => undefined);
      return row?.standby && row.streaming;
    });
    return { url, port, halt, stop };
  } catch (e) {
    const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`could not start a standby: ${(e as Error).message}${log ? `\nstandby log:\n${log}` : ''}`);
  }
}

/** Until the standby has replayed everything the primary has written so far. */
export async function caughtUp(primaryUrl: string, standby: Standby): Promise<void> {
  const target = await one<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
  await waitFor('the standby to catch up', async () => {
    const row = await one<{ done: boolean }>(
      standby.url('postgres'),
      `SELECT pg_last_wal_replay_lsn() >= '${target?.lsn}'::pg_lsn AS done`,
    );
    return row?.done;
  });
}
