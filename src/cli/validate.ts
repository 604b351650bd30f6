import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Connection } from '../db/connection.js';
import { dialectNamed } from '../dialects/registry.js';
import { PlanError, UsageError, type PlanProblem } from '../errors.js';
import { formatGithub } from '../lint/format-github.js';
import { formatJson } from '../lint/format-json.js';
import { formatText } from '../lint/format-text.js';
import { lintPlan } from '../lint/lint-plan.js';
import { exitCodeOf, summarize, type PlanReport } from '../lint/report.js';
import type { Finding } from '../lint/types.js';
import { compilePlan } from '../plan/compile.js';
import { parsePlan } from '../plan/load.js';
import { decodePlanBytes } from '../plan/plan-text.js';
import type { Plan } from '../plan/types.js';
import { refuseMissingEmbedded } from './database.js';
import { paint, type Io } from './io.js';

export interface ValidateOptions {
  format: 'text' | 'json' | 'github';
  /** Also check each plan against this live database (loaded lazily: the default path needs no database). */
  database?: string;
  bigTableRows?: string;
  bigTableSize?: string;
}

/** Expand files and folders into the .yaml/.yml plan files they hold, sorted, each once. */
export async function findPlanFiles(paths: string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(cwd, path);
    const info = await stat(full).catch(() => undefined);
    if (!info)
      throw new UsageError(`${path} does not exist`, 'pass plan files or folders, e.g. `schemashift validate plans/`');
    if (info.isDirectory()) {
      const names = (await readdir(full, { recursive: true })).filter((n) => /\.ya?ml$/.test(n)).sort();
      files.push(...names.map((n) => relative(cwd, join(full, n))));
    } else files.push(isAbsolute(path) ? path : relative(cwd, full));
  }
  return [...new Set(files)];
}

function invalid(file: string, problems: PlanProblem[], text?: string): PlanReport {
  const findings: Finding[] = problems.map((p) => ({
    rule: 'invalid-plan',
    severity: 'error',
    message: p.message,
    help: p.hint ?? 'fix this problem: a plan is neither linted nor run until it is valid',
    at: p.at,
  }));
  return { file, name: null, valid: false, findings, ...(text === undefined ? {} : { text }) };
}

/** Parse, compile and lint one file; problems become the report, never an exception. */
async function checkFile(file: string, cwd: string): Promise<{ report: PlanReport; plan?: Plan }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(cwd, file));
  } catch (e) {
    return {
      report: invalid(file, [
        {
          at: { file, line: 1, col: 1 },
          message: `cannot read ${file}: ${(e as Error).message}`,
          hint: 'check the path and its permissions',
        },
      ]),
    };
  }
  const decoded = decodePlanBytes(file, bytes);
  if ('problem' in decoded) return { report: invalid(file, [decoded.problem]) };
  const text = decoded.text;
  let plan: Plan;
  try {
    plan = await parsePlan(file, text);
  } catch (e) {
    if (e instanceof PlanError) return { report: invalid(file, e.problems, text) };
    throw e;
  }
  try {
    const findings = lintPlan(plan, compilePlan(plan));
    return { report: { file, name: plan.name, valid: true, findings, text }, plan };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const problem: PlanProblem = { at: plan.locate(['dialect']), message: e.message };
    if (e.hint) problem.hint = e.hint;
    return { report: invalid(file, [problem], text) };
  }
}

/** Two plans with one name would share one state record in the database. */
function duplicateNames(checked: { report: PlanReport; plan?: Plan }[]): void {
  const first = new Map<string, string>();
  for (const { report, plan } of checked) {
    if (!plan) continue;
    const earlier = first.get(plan.name);
    if (earlier === undefined) {
      first.set(plan.name, report.file);
      continue;
    }
    report.findings.unshift({
      rule: 'duplicate-plan-name',
      severity: 'error',
      message:
        `plan name \`${plan.name}\` is already used by ${earlier}: both would share one state record ` +
        `in the database`,
      help: `give this plan its own name, e.g. name: ${plan.name}-2`,
      at: plan.locate(['name']),
    });
  }
}

export async function validateCommand(paths: string[], options: ValidateOptions, io: Io): Promise<number> {
  const given = paths.length > 0 ? paths : ['plans'];
  const files = await findPlanFiles(given, io.cwd);
  if (files.length === 0) {
    throw new UsageError(
      `no .yaml plan files found in ${given.join(', ')}`,
      'pass plan files or folders that hold them, e.g. `schemashift validate plans/`',
    );
  }
  const checked = [];
  for (const file of files) checked.push(await checkFile(file, io.cwd));
  duplicateNames(checked);
  if (options.database !== undefined) {
    refuseMissingEmbedded(options.database, io);
    const { addDatabaseFindings } = await import('../lint/database/validate-database.js');
    const { connect } = await import('../db/index.js');
    const dialectOf = (conn: Connection) => dialectNamed(conn.dialect);
    io.err(
      `${await addDatabaseFindings(options.database, checked, { ...options, cwd: io.cwd, connect, dialectOf })}\n`,
    );
  }
  const reports = checked.map((c) => c.report);
  if (options.format === 'json') io.out(formatJson(reports));
  else if (options.format === 'github') io.out(formatGithub(reports));
  else io.out(formatText(reports, paint(io.color)));
  return exitCodeOf(summarize(reports));
}
