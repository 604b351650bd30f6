/**
 * `test FILE [--seed SQL_FILE | --schema-from URL [--rows N]] [--database URL | --container] [--json]`:
 * rehearse the plan and its rollback on throwaway databases (see src/rehearse/rehearse.ts). A SQL Server
 * plan needs --database sqlserver://… (its scratch databases are made there) and --seed.
 */
import { blueGreenKindsOf } from '../operations/replication-step.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { connect } from '../db/index.js';
import { parseDatabaseUrl } from '../db/url.js';
import { UsageError } from '../errors.js';
import { compilePlan, type CompiledPlan } from '../plan/compile.js';
import { loadPlanFile } from '../plan/load.js';
import { relationsOfPlan } from '../rehearse/plan-relations.js';
import { rehearse, type Seed } from '../rehearse/rehearse.js';
import { rehearsalJson, rehearsalText } from '../rehearse/report.js';
import { containerSandbox, pgliteSandbox, serverSandbox, type Sandbox, type SandboxDeps } from '../rehearse/sandbox.js';
import { runnerApplicationName } from '../runner/runner-lock.js';
import { refuseMissingEmbedded } from './database.js';
import { interruptSignal } from './interrupt.js';
import { paint, type Io } from './io.js';
import { lineRenderer } from './render-lines.js';

export interface TestOptions {
  seed?: string;
  schemaFrom?: string;
  rows?: string;
  database?: string;
  container?: boolean;
  json?: boolean;
}

const DEFAULT_ROWS = 1000;

function checkOptions(opts: TestOptions): number {
  const seedHint =
    'give the data to rehearse on: --seed seed.sql (a SQL script run on an empty database), or --schema-from ' +
    'postgres://… (the structure of the tables the plan uses, plus --rows generated rows)';
  if ((opts.seed === undefined) === (opts.schemaFrom === undefined)) {
    throw new UsageError(
      opts.seed === undefined
        ? 'schemashift test needs --seed or --schema-from'
        : '--seed and --schema-from cannot be combined',
      seedHint,
    );
  }
  if (opts.rows !== undefined && opts.schemaFrom === undefined)
    throw new UsageError(
      '--rows applies to --schema-from (a seed file brings its own rows)',
      'drop --rows, or use --schema-from',
    );
  if (opts.database !== undefined && opts.container)
    throw new UsageError(
      '--database and --container cannot be combined',
      'pick one place for the scratch databases (the default is an embedded PGlite)',
    );
  const rows = opts.rows === undefined ? DEFAULT_ROWS : Number(opts.rows);
  if (!Number.isInteger(rows) || rows < 0 || rows > 10_000_000)
    throw new UsageError(
      `--rows ${opts.rows}: expected a whole number of rows per table between 0 and 10000000`,
      'e.g. --rows 1000',
    );
  return rows;
}

async function seedFromFile(path: string, cwd: string): Promise<Seed> {
  try {
    return { describe: `seed file ${path}`, sql: await readFile(resolve(cwd, path), 'utf8') };
  } catch (e) {
    throw new UsageError(
      `cannot read the seed file ${path}: ${
        (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message
      }`,
      'pass a SQL script that creates and fills the tables the plan changes',
    );
  }
}

async function seedFromSchema(url: string, compiled: CompiledPlan, rows: number, io: Io): Promise<Seed> {
  const cwd = io.cwd;
  refuseMissingEmbedded(url, io);
  const conn = await connect(url, { applicationName: 'schemashift test (reading structure)', cwd });
  try {
    if (conn.dialect !== 'postgres')
      throw new UsageError(
        `--schema-from ${conn.displayUrl}: only PostgreSQL structures can be read`,
        'use --seed with a SQL file',
      );
    const rehearsal = compiled.dialect.introspect.rehearsal;
    const source = await conn.session((s) => rehearsal.readSource(s, relationsOfPlan(compiled)));
    const names = source.relations.map((r) => (r.schema === 'public' ? r.name : `${r.schema}.${r.name}`));
    if (source.notFound.length > 0)
      io.err(`-- not in ${conn.displayUrl}, so not copied (the plan creates them?): ${source.notFound.join(', ')}\n`);
    const sql = source.seedScript(rows);
    return {
      describe:
        `structure of ${names.join(', ')} read from ${conn.displayUrl} (catalog, not ` +
        `pg_dump), ${rows.toLocaleString('en-US')} generated rows per table`,
      sql,
    };
  } finally {
    await conn.close();
  }
}

/**
 * A SQL Server plan rehearses on scratch databases of the SQL Server given with --database: there is no
 * embedded SQL Server, the container image is PostgreSQL, and --schema-from reads PostgreSQL catalogs.
 */
function refuseSqlServerOptions(planName: string, opts: TestOptions, cwd: string): void {
  const serverHint =
    'give the SQL Server to rehearse on: --database sqlserver://user:password@host:1433/master (a login that ' +
    'may create databases; scratch databases schemashift_rehearse_… are created there and dropped afterwards)';
  const plan = `plan ${planName} is for SQL Server (dialect: mssql)`;
  if (opts.schemaFrom !== undefined)
    throw new UsageError(
      `--schema-from reads PostgreSQL structures only, and ${plan}: nothing was run`,
      'seed the rehearsal with a T-SQL script instead: --seed seed.sql (CREATE TABLE … and INSERTs)',
    );
  if (opts.container)
    throw new UsageError(`--container starts a PostgreSQL container, and ${plan}: nothing was run`, serverHint);
  if (opts.database === undefined)
    throw new UsageError(
      `${plan}, which rehearses on scratch databases of a SQL Server, not on the embedded PGlite: nothing was run`,
      serverHint,
    );
  const target = parseDatabaseUrl(opts.database, cwd);
  if (target.scheme !== 'mssql')
    throw new UsageError(
      `--database ${target.displayUrl} is not a SQL Server, and ${plan}: nothing was run`,
      serverHint,
    );
}

/** A rehearsal has one scratch database; a blue/green plan needs two servers with logical replication. */
function refuseBlueGreenRehearsal(file: string, compiled: { plan: { entries: { kind: string }[] } }): void {
  const kinds = blueGreenKindsOf(compiled.plan);
  if (kinds.length === 0) return;
  throw new UsageError(
    `${file}: a blue/green plan (${kinds.join(', ')}) needs a second server with logical replication, which a ` +
      'rehearsal on one scratch database cannot give; nothing was run',
    'rehearse it on two servers of your own (a copy of blue and an empty green) with `schemashift run`, or ' +
      'check it with `schemashift validate`',
  );
}

async function openSandbox(opts: TestOptions, deps: SandboxDeps): Promise<Sandbox> {
  if (opts.container) return containerSandbox(deps);
  if (opts.database !== undefined) return serverSandbox(deps, opts.database);
  return pgliteSandbox(deps);
}

export async function testCommand(file: string, opts: TestOptions, io: Io): Promise<number> {
  const rows = checkOptions(opts);
  const compiled = compilePlan(await loadPlanFile(file, io.cwd));
  if (compiled.dialect.name === 'mssql') refuseSqlServerOptions(compiled.plan.name, opts, io.cwd);
  refuseBlueGreenRehearsal(file, compiled);
  const seed =
    opts.seed !== undefined
      ? await seedFromFile(opts.seed, io.cwd)
      : await seedFromSchema(opts.schemaFrom as string, compiled, rows, io);
  const applicationName = runnerApplicationName(compiled.plan.name);
  const sandbox = await openSandbox(opts, { connect, dialect: compiled.dialect, applicationName });
  const { signal, dispose } = interruptSignal(io, {
    stopping:
      'stopping after the current statement (the scratch databases are dropped either way; press Ctrl-C ' +
      'again to quit at once)',
    quit: (name) => {
      io.err(`\n${name} again: dropping the scratch databases, then quitting\n`);
      void sandbox.dispose().finally(() => process.exit(130));
    },
  });
  const p = paint(io.color);
  try {
    const progress = { ...io, out: (text: string) => io.err(text) };
    const report = await rehearse({
      compiled,
      seed,
      sandbox,
      signal,
      emit: lineRenderer(progress, p),
      note: (line) => io.err(`${p.bold(`-- ${line}`)}\n`),
    });
    const ctx = { file, plan: compiled.plan.name, database: sandbox.describe, seed: seed.describe };
    io.out(opts.json ? rehearsalJson(report, ctx) : rehearsalText(report, ctx, p));
    return report.interrupted ? 130 : report.ok ? 0 : 1;
  } finally {
    // Handlers stay until the scratch databases are gone: a second Ctrl-C meanwhile must still quit with 130.
    await sandbox.dispose();
    dispose();
  }
}
