/** Run every preflight check on one connection; a check that cannot run says why instead of failing the rest. */
import type { Connection } from '../db/connection.js';
import type { DoctorChecks } from '../dialects/doctor.js';
import type {
  DoctorCheck,
  DoctorCheckResult,
  DoctorContext,
  DoctorOptions,
  DoctorReport,
  DoctorStatus,
} from './types.js';

const RANK: Record<DoctorStatus, number> = { ok: 0, warn: 1, fail: 2 };

export function worst(statuses: DoctorStatus[]): DoctorStatus {
  return statuses.reduce<DoctorStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok');
}

async function runCheck(check: DoctorCheck, ctx: DoctorContext, cannotCheckFix: string): Promise<DoctorCheckResult> {
  try {
    return { id: check.id, title: check.title, ...(await check.run(ctx)) };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    const finding = `could not check: ${message}`;
    return { id: check.id, title: check.title, status: 'warn', finding, fix: cannotCheckFix, details: [] };
  }
}

/** Run the dialect's checks, in order, on `db`. */
export async function runDoctor(db: Connection, doctor: DoctorChecks, options: DoctorOptions): Promise<DoctorReport> {
  const server = await doctor.serverInfo(db);
  const ctx: DoctorContext = { db, server, options };
  const checks: DoctorCheckResult[] = [];
  for (const check of doctor.checks) checks.push(await runCheck(check, ctx, doctor.cannotCheckFix));
  return {
    version: 1,
    database: db.displayUrl,
    server,
    status: worst(checks.map((c) => c.status)),
    checks,
    capabilities: doctor.capabilities(server),
  };
}
