import type { Connection } from '../db/connection.js';
import type { ServerInfo } from '../introspect/live-schema.js';

/** ok: nothing to do. warn: worth knowing, does not block a migration. fail: would block (or break) one. */
export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorFinding {
  status: DoctorStatus;
  /** One line: what was found. */
  finding: string;
  /** What to do about it; null when nothing. */
  fix: string | null;
  /** The sessions, indexes, slots… behind the finding, one object each. */
  details: Record<string, unknown>[];
}

export interface DoctorCheckResult extends DoctorFinding {
  id: string;
  title: string;
}

export interface DoctorOptions {
  /** A transaction open longer than this blocks index builds and VALIDATE: fail. Default 5 min. */
  longTransactionMs: number;
  /** A session idle inside a transaction longer than this: fail. Default 1 min. */
  idleInTransactionMs: number;
  /** A replica replaying further behind than this: warn. Default 30 s. */
  replicaLagMs: number;
  /** The port the URL names (null for PGlite): a pooler hint when the server listens elsewhere. */
  urlPort: number | null;
}

export const DEFAULT_DOCTOR_OPTIONS: DoctorOptions = {
  longTransactionMs: 5 * 60_000,
  idleInTransactionMs: 60_000,
  replicaLagMs: 30_000,
  urlPort: null,
};

export interface DoctorContext {
  db: Connection;
  server: ServerInfo;
  options: DoctorOptions;
}

export interface DoctorCheck {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<DoctorFinding>;
}

export interface CapabilityRow {
  id: string;
  feature: string;
  /** The first major version that has it, e.g. "12". */
  since: string;
  available: boolean;
  /** What happens on a server without it. */
  otherwise: string;
}

export interface DoctorReport {
  version: 1;
  /** The URL with its password masked. */
  database: string;
  server: ServerInfo;
  /** The worst status of all checks. */
  status: DoctorStatus;
  checks: DoctorCheckResult[];
  capabilities: CapabilityRow[];
}

export function ok(finding: string, details: Record<string, unknown>[] = []): DoctorFinding {
  return { status: 'ok', finding, fix: null, details };
}

/** 75 → "1m 15s", 3.2 → "3s", 7300 → "2h 1m". */
export function ageText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor(s / 60) % 60 ? ` ${Math.floor(s / 60) % 60}m` : ''}`;
}
