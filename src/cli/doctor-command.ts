/** `doctor [--database URL] [--json]`: preflight checks before a migration; exit 1 when one fails. */
import ms from 'ms';
import { parseDatabaseUrl } from '../db/index.js';
import { dialectNamed } from '../dialects/registry.js';
import { formatDoctorJson, formatDoctorText } from '../doctor/format.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { DEFAULT_DOCTOR_OPTIONS, type DoctorOptions } from '../doctor/types.js';
import { UsageError } from '../errors.js';
import { databaseUrl, openDatabase } from './database.js';
import { paint, type Io } from './io.js';

export interface DoctorCommandOptions {
  database?: string;
  json?: boolean;
  longTransaction?: string;
  idleInTransaction?: string;
  replicaLag?: string;
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

export async function doctorCommand(opts: DoctorCommandOptions, io: Io): Promise<number> {
  const url = databaseUrl(opts.database, io);
  const options = doctorOptions(opts, url, io.cwd);
  const conn = await openDatabase(url, io, 'schemashift doctor', { mustExist: true });
  try {
    const { doctor } = dialectNamed(conn.dialect);
    const report = await runDoctor(conn, doctor, options);
    io.out(opts.json ? formatDoctorJson(report) : formatDoctorText(report, paint(io.color), doctor.product));
    return report.status === 'fail' ? 1 : 0;
  } finally {
    await conn.close();
  }
}
