/**
 * The `--database` half of `schemashift validate`, loaded only when that flag is given: connect
 * once (through the command's `connect`), check every valid plan against the live schema, and
 * merge the findings into its report.
 */
import type { Connection } from '../../db/connection.js';
import { parseDatabaseUrl } from '../../db/url.js';
import type { Dialect } from '../../dialects/dialect.js';
import { UsageError } from '../../errors.js';
import { compilePlan, type CompiledPlan } from '../../plan/compile.js';
import type { Plan } from '../../plan/types.js';
import type { PlanReport } from '../report.js';
import type { Finding } from '../types.js';
import type { StateStore } from '../../state/store.js';
import { DEFAULT_DATABASE_CHECK_OPTIONS, type DatabaseCheckOptions } from './context.js';
import { checkPlansAgainstDatabase } from './index.js';
import { conflictFindings, inFlightFootprints } from './in-flight-conflicts.js';

export interface DatabaseValidateOptions {
  cwd: string;
  /** `--big-table-rows`, as typed. */
  bigTableRows?: string | undefined;
  /** `--big-table-size`, as typed (`500MB`, `2GB`, bytes). */
  bigTableSize?: string | undefined;
  /** Opens the database (src/db's `connect`, given by the command). */
  connect: (url: string, options: { applicationName: string; cwd: string }) => Promise<Connection>;
  /** The dialect that reads a connection's catalog. */
  dialectOf: (conn: Connection) => Dialect;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined)
    throw new UsageError(
      `--big-table-size ${text}: expected a size such as 500MB, 2GB or a number of bytes`,
      'write e.g. --big-table-size 1GB',
    );
  return Number(match[1]) * unit;
}

export function parseRows(text: string): number {
  const rows = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(rows) || rows < 0)
    throw new UsageError(
      `--big-table-rows ${text}: expected a whole number of rows`,
      'write e.g. --big-table-rows 1000000',
    );
  return rows;
}

export function checkOptions(options: DatabaseValidateOptions): DatabaseCheckOptions {
  return {
    bigTableRows:
      options.bigTableRows === undefined
        ? DEFAULT_DATABASE_CHECK_OPTIONS.bigTableRows
        : parseRows(options.bigTableRows),
    bigTableBytes:
      options.bigTableSize === undefined
        ? DEFAULT_DATABASE_CHECK_OPTIONS.bigTableBytes
        : parseSize(options.bigTableSize),
  };
}

function byPosition(a: Finding, b: Finding): number {
  return a.at.line - b.at.line || a.at.col - b.at.col || a.rule.localeCompare(b.rule);
}

function compiledOrNothing(plan: Plan): CompiledPlan[] {
  try {
    return [compilePlan(plan)];
  } catch {
    return [];
  }
}

/** db-in-flight-conflict: each plan against the plans in flight on the database (the state tables, read only). */
async function addInFlightConflicts(store: StateStore, compiled: CompiledPlan[], findings: Finding[][]) {
  const inFlight = await inFlightFootprints(store);
  compiled.forEach((plan, i) => findings[i]?.push(...conflictFindings(plan, inFlight)));
}

/** Adds database findings to the reports of valid plans; returns what was checked against, for one line to people. */
export async function addDatabaseFindings(
  url: string,
  checked: { report: PlanReport; plan?: Plan }[],
  options: DatabaseValidateOptions,
): Promise<string> {
  const checks = checkOptions(options);
  const target = parseDatabaseUrl(url, options.cwd);
  if (target.scheme === 'mssql') {
    throw new UsageError(
      `validate --database checks plans against PostgreSQL; ${target.displayUrl} is SQL Server`,
      'point --database at the PostgreSQL database the plans will run on',
    );
  }
  const forMssql = checked.find((c) => c.plan?.dialect === 'mssql');
  if (forMssql?.plan) {
    throw new UsageError(
      `validate --database simulates plans on PostgreSQL only; plan ${forMssql.plan.name} is for SQL Server ` +
        '(dialect: mssql): nothing was read',
      'run `schemashift validate` without --database for SQL Server plans (their SQL and lint are checked offline)',
    );
  }
  const conn = await options.connect(url, { applicationName: 'schemashift validate', cwd: options.cwd });
  try {
    const targets = checked.flatMap((c) =>
      c.plan && c.report.valid ? compiledOrNothing(c.plan).map((compiled) => ({ report: c.report, compiled })) : [],
    );
    const compiled = targets.map((t) => t.compiled);
    const { live, findings } = await checkPlansAgainstDatabase(conn, options.dialectOf(conn), compiled, checks);
    await addInFlightConflicts(options.dialectOf(conn).state.openStore(conn), compiled, findings);
    targets.forEach((t, i) => {
      t.report.findings.push(...(findings[i] ?? []));
      t.report.findings.sort(byPosition);
    });
    return `checked ${targets.length} plan(s) against ${conn.displayUrl} (PostgreSQL ${live.server.version}, ${
      live.relations.filter((r) => r.columns && !r.index && r.kind !== 'sequence').length
    } table(s) and view(s))`;
  } finally {
    await conn.close();
  }
}
