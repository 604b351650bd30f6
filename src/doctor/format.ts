/**
 * `schemashift doctor` output.
 *
 * Text, for people: one line per check (status, name, finding) and its fix, then the server's
 * capabilities, then a summary line.
 *
 * `--json`: one JSON document on stdout. Stable: fields are only ever added, and `version` changes
 * if one is removed or changes meaning.
 *
 * {
 *   "version": 1,
 *   "database": "postgres://app:****@db:5432/shop",   // password always masked
 *   "server": { "version": "15.4", "versionNum": 150004 },
 *   "status": "fail",                                 // the worst status of all checks
 *   "checks": [
 *     {
 *       "id": "long-transactions",                    // stable: server-version, long-transactions,
 *                                                     //   idle-in-transaction, prepared-transactions,
 *                                                     //   invalid-indexes, replication, replication-slots,
 *                                                     //   connection-pooler, stale-materialized-views,
 *                                                     //   failed-view-refreshes (PostgreSQL); replica: one
 *                                                     //   per --replica, details [{ replica: "host:port",
 *                                                     //   reachable, standby, lagSeconds, paused }]
 *       "title": "long transactions",
 *       "status": "fail",                             // "ok" | "warn" | "fail"
 *       "finding": "1 transaction(s) open longer than 5m: pid 4242 (psql, app) …",
 *       "fix": "CREATE INDEX CONCURRENTLY and VALIDATE wait until these end …",   // null when ok
 *       "details": [ { "pid": 4242, "user": "app", "state": "idle in transaction", "transactionSeconds": 731, … } ]
 *     }
 *   ],
 *   "capabilities": [
 *     { "id": "set-not-null-skips-scan", "feature": "SET NOT NULL skips the scan …", "since": "12",
 *       "available": true, "otherwise": "…" }
 *   ]
 * }
 *
 * Exit code: 1 when any check fails (something would block or break a migration), else 0.
 */
import type { DoctorReport, DoctorStatus } from './types.js';

/** The colours used (the CLI's Paint fits). */
export interface DoctorPaint {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

export function formatDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function label(status: DoctorStatus, p: DoctorPaint): string {
  if (status === 'ok') return p.green('✔ ok  ');
  if (status === 'warn') return p.yellow('⚠ warn');
  return p.red('✖ FAIL');
}

function capabilityLines(report: DoctorReport, p: DoctorPaint): string[] {
  const width = Math.max(...report.capabilities.map((c) => c.feature.length));
  return [
    p.bold(`  ${'capability'.padEnd(width)}  since  here`),
    ...report.capabilities.map((c) => {
      const here = c.available ? p.green('yes') : p.yellow(`no: ${c.otherwise}`);
      return `  ${c.feature.padEnd(width)}  ${c.since.padEnd(5)}  ${here}`;
    }),
  ];
}

/** `product`: the server's name in the title line (the dialect's, e.g. PostgreSQL). */
export function formatDoctorText(report: DoctorReport, p: DoctorPaint, product: string): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines = [p.bold(`schemashift doctor: ${report.database} (${product} ${report.server.version})`), ''];
  for (const check of report.checks) {
    lines.push(`  ${label(check.status, p)}  ${check.title.padEnd(width)}  ${check.finding}`);
    if (check.fix && check.status !== 'ok')
      lines.push(`  ${' '.repeat(6)}  ${' '.repeat(width)}  ${p.cyan('fix:')} ${check.fix}`);
  }
  lines.push('', ...capabilityLines(report, p), '');
  const count = (s: DoctorStatus) => report.checks.filter((c) => c.status === s).length;
  const verdict =
    report.status === 'fail'
      ? 'something here would block or break a migration (exit 1)'
      : report.status === 'warn'
        ? 'nothing blocks a migration; read the warnings'
        : 'ready for a migration';
  lines.push(`${count('fail')} fail, ${count('warn')} warn, ${count('ok')} ok: ${verdict}`);
  return `${lines.join('\n')}\n`;
}
