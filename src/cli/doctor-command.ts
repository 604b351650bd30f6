/** `doctor [--database URL] [--json]`: preflight checks before a migration; exit 1 when one fails. */
import ms from 'ms';
import { connect, parseDatabaseUrl } from '../db/index.js';
import { dialectNamed } from '../dialects/registry.js';
import { formatDoctorJson, formatDoctorText } from '../doctor/format.js';
import { checkReplica, type ReplicaToCheck } from '../doctor/replica-check.js';
import { runDoctor, worst } from '../doctor/run-doctor.js';
import { DEFAULT_DOCTOR_OPTIONS, type DoctorOptions } from '../doctor/types.js';
import { UsageError } from '../errors.js';
import { serverIdentity } from '../runner/replicas.js';
import { databaseUrl, openDatabase } from './database.js';
import { paint, type Io } from './io.js';

export interface DoctorCommandOptions {
  database?: string;
  json?: boolean;
  longTransaction?: string;
  idleInTransaction?: string;
  replicaLag?: string;
  /** `--replica URL`, repeatable: standbys asked for their own replay lag. */
  replica?: string[];
}

function durationMs(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : ms(text as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag} ${text}: expected a duration such as 30s, 5m or 1h`, `write e.g. ${flag} 5m`);
  }
  return value;
}

export function doctorOptions(opts: DoctorCommandOptions, url: string, cwd: string): DoctorOptions {
  const target = parseDatabaseUrl(url, cwd);
  return {
    longTransactionMs: durationMs('--long-transaction', opts.longTransaction, DEFAULT_DOCTOR_OPTIONS.longTransactionMs),
    idleInTransactionMs: durationMs(
      '--idle-in-transaction',
      opts.idleInTransaction,
      DEFAULT_DOCTOR_OPTIONS.idleInTransactionMs,
    ),
    replicaLagMs: durationMs('--replica-lag', opts.replicaLag, DEFAULT_DOCTOR_OPTIONS.replicaLagMs),
    urlPort: target.scheme === 'postgres' ? target.port : null,
  };
}

/** A `--replica` URL, named host:port in the report; connecting is left to the check (an unreachable one is a finding). */
function replicaToCheck(url: string, cwd: string): ReplicaToCheck {
  const target = parseDatabaseUrl(url, cwd);
  if (target.scheme === 'pglite')
    throw new UsageError(`--replica ${target.displayUrl}: a replica is a server`, 'give its postgres:// URL');
  const name = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  return { name, open: () => connect(url, { applicationName: 'schemashift doctor' }) };
}

export async function doctorCommand(opts: DoctorCommandOptions, io: Io): Promise<number> {
  const url = databaseUrl(opts.database, io);
  const options = doctorOptions(opts, url, io.cwd);
  const replicas = (opts.replica ?? []).map((r) => replicaToCheck(r, io.cwd));
  const conn = await openDatabase(url, io, 'schemashift doctor', { mustExist: true });
  try {
    const { doctor, activity } = dialectNamed(conn.dialect);
    const report = await runDoctor(conn, doctor, options);
    const primary = replicas.length > 0 ? await serverIdentity(conn, activity) : null;
    for (const replica of replicas)
      report.checks.push(await checkReplica(replica, activity, options.replicaLagMs, primary!));
    report.status = worst(report.checks.map((c) => c.status));
    io.out(opts.json ? formatDoctorJson(report) : formatDoctorText(report, paint(io.color), doctor.product));
    return report.status === 'fail' ? 1 : 0;
  } finally {
    await conn.close();
  }
}
