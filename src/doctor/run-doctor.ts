/** Run every preflight check on one connection; a check that cannot run says why instead of failing the rest. */
import type { Connection } from '../db/connection.js';
import { CAPABILITIES, versionLabel } from '../introspect/capabilities.js';
import { readServerInfo } from '../introspect/read-schema.js';
import { POOLER_CHECK } from './pooler-check.js';
import { SERVER_CHECKS, SERVER_VERSION_CHECK } from './server-checks.js';
import { SESSION_CHECKS } from './session-checks.js';
import type { DoctorCheck, DoctorCheckResult, DoctorContext, DoctorOptions, DoctorReport, DoctorStatus } from './types.js';

export const DOCTOR_CHECKS: readonly DoctorCheck[] = [SERVER_VERSION_CHECK, ...SESSION_CHECKS, ...SERVER_CHECKS, POOLER_CHECK];

const RANK: Record<DoctorStatus, number> = { ok: 0, warn: 1, fail: 2 };

export function worst(statuses: DoctorStatus[]): DoctorStatus {
  return statuses.reduce<DoctorStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok');
}

async function runCheck(check: DoctorCheck, ctx: DoctorContext): Promise<DoctorCheckResult> {
  try {
    return { id: check.id, title: check.title, ...(await check.run(ctx)) };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { id: check.id, title: check.title, status: 'warn', finding: `could not check: ${message}`, fix: 'run doctor as a role that may read pg_stat_activity, pg_stat_replication and pg_replication_slots (pg_monitor)', details: [] };
  }
}

export async function runDoctor(db: Connection, options: DoctorOptions): Promise<DoctorReport> {
  const info = await readServerInfo(db);
  const server = { version: info.version, versionNum: info.versionNum };
  const ctx: DoctorContext = { db, server, options };
  const checks: DoctorCheckResult[] = [];
  for (const check of DOCTOR_CHECKS) checks.push(await runCheck(check, ctx));
  return {
    version: 1,
    database: db.displayUrl,
    server,
    status: worst(checks.map((c) => c.status)),
    checks,
    capabilities: CAPABILITIES.map((c) => ({ id: c.id, feature: c.feature, since: versionLabel(c.since), available: server.versionNum >= c.since, otherwise: c.otherwise })),
  };
}
