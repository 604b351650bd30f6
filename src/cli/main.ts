import { Command, Option } from 'commander';
import { jsonRequested, reportError } from './errors.js';
import { processIo, redactingIo, secretsOf, type Io } from './io.js';
import { addFleetOptions, isFleet, type FleetFlags } from './fleet-options.js';
import { registerFlagsCommand } from './flags-options.js';
import { registerRefreshCommand } from './refresh-register.js';
import { flushTelemetry } from '../telemetry/hook.js';
// Command modules are imported inside their actions, so that `validate` loads no runner, state store or renderer.
import type { RunCommandOptions } from './run-command.js';

const VERSION = '0.1.0';

const AFTER_HELP = `
Database: --database URL, else DATABASE_URL, else the embedded PGlite in ./.schemashift/pglite
  (said on stderr). status, pause, resume, flags list/get, rollback, doctor and refresh never create
  a database: with none at that path they exit 4 and say how to point at the real one.
  URLs: postgres://, postgresql://, sqlserver://, mssql://, pglite://./dir, pglite://memory.
  A password is never printed; a pglite URL takes none.

Exit codes:
  0    success (for validate: no error findings)
  1    validate/doctor/test found problems; a step failed; a rollback was refused
  2    invalid plan, wrong usage or bad URL, or the plan changed since its run started (drift)
  3    another runner holds this plan (refresh: another refresh holds a view)
  4    the database cannot be reached (refused, timed out, unknown host, login or database
       rejected, or no embedded database to read)
  70   internal error (a bug: run with SCHEMASHIFT_DEBUG=1 and report it)
  130  interrupted (Ctrl-C or SIGTERM, at a prompt too)

JSON: with --json (validate: --format json) every failure ends stdout with one line
  {"error": {"code", "message", "file"?, "line"?, "col"?, "help"?, "exit_code"}}; the human
  text stays on stderr. Codes: docs/json-errors.md.
`;

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('schemashift')
    .description('Zero-downtime schema changes: expand → migrate → contract plans, resumable and throttled.')
    .version(VERSION)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError('(run `schemashift --help` for the commands)')
    .addHelpText('after', AFTER_HELP);

  registerPlanCommands(program, io, setExit);
  registerRunCommands(program, io, setExit);
  registerStatusCommands(program, io, setExit);
  registerFlagsCommand(program, io, setExit, databaseOption);
  registerTestCommand(program, io, setExit);
  registerNewCommand(program, io, setExit);
  registerDoctorAndDemo(program, io, setExit);
  registerRefreshCommand(program, io, setExit, databaseOption);
  program
    .command('import')
    .description('turn a plain SQL migration (a file, or a folder of them in migration order) into a plan')
    .argument('<source>', 'a .sql file or a folder of migrations (Flyway, Prisma, Rails, Knex, …)')
    .option('--name <name>', 'plan name (default: from the file or folder name)')
    .option('--out <file>', 'plan file to write (default plans/<name>.yaml)')
    .option('--force', 'overwrite --out if it exists')
    .option('--dialect <dialect>', 'the SQL the migration is written in: postgres (default)')
    .option(
      '--database <url>',
      'read the types of existing columns and what they carry from this database (catalogs only), for ' +
        'rename_column and change_type',
    )
    .action(async (source: string, opts: import('./import-command.js').ImportOptions) =>
      setExit(await (await import('./import-command.js')).importCommand(source, opts, io)),
    );
  return program;
}

const databaseOption = () =>
  new Option(
    '--database <url>',
    'database URL (default: DATABASE_URL, else the embedded PGlite in ./.schemashift/pglite; a command ' +
      'that only reads never creates it)',
  );
/** `--view a --view b` → ['a', 'b']; one --view stays a string. */
const moreViews = (view: string, earlier?: string | string[]) =>
  earlier === undefined ? view : [earlier, view].flat();
const phaseOption = () => new Option('--phase <phase>', 'only this phase').choices(['expand', 'migrate', 'contract']);

/** validate and plan: no database needed. */
function registerPlanCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description(
      'parse, schema-check and lint plans (files or folders, default plans/); needs no database unless ' +
        '--database asks to check them against a live one',
    )
    .argument('[paths...]', 'plan files or folders', [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option(
      '--database <url>',
      'also check every plan against this live PostgreSQL database: tables, columns, names, sizes, server ' +
        'version (reads only the catalogs)',
    )
    .option(
      '--big-table-rows <n>',
      'with --database: a table this big (estimated rows) gets warnings for long scans',
      '1000000',
    )
    .option('--big-table-size <size>', 'with --database: …or this big on disk (e.g. 500MB, 2GB)', '1GB')
    .action(
      async (
        paths: string[],
        opts: { format: 'text' | 'json' | 'github'; database?: string; bigTableRows: string; bigTableSize: string },
      ) => setExit(await (await import('./validate.js')).validateCommand(paths, opts, io)),
    );

  program
    .command('plan')
    .description(
      'print, per phase and step, the exact SQL that will run, the lock it takes and whether it can be ' +
        'undone; no database',
    )
    .argument('<file>', 'plan file')
    .addOption(new Option('--phase <phase>', 'only this phase').choices(['expand', 'migrate', 'contract']))
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { phase?: 'expand' | 'migrate' | 'contract'; json?: boolean }) =>
      setExit(await (await import('./plan-command.js')).planCommand(file, opts, io)),
    );
}

/** run, advance, rollback. */
function registerRunCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const database = databaseOption;
  const phase = phaseOption;
  for (const mode of ['run', 'advance'] as const) {
    const command = program
      .command(mode)
      .description(
        mode === 'run'
          ? 'run pending steps phase after phase until a gate or the end; resumes where the last run stopped'
          : 'run exactly the next pending phase, then stop',
      )
      .argument('<file>', 'plan file')
      .addOption(phase())
      .option('--yes', 'answer every confirmation with yes (gates and the irreversible contract phase included)')
      .option('--accept-drift', 'go on although the plan file changed since its run started')
      .option('--json', 'JSON lines instead of text (CI)')
      .addOption(database())
      .option('--flags-file <path>', "feature flags in this JSON file (instead of the plan's settings.flags)")
      .option(
        '--replica <url>',
        "a read replica (a standby of the primary's cluster, same database): its replay lag throttles backfills " +
          '(max_replica_lag) and holds contract DROPs and swaps; a verify with on: replica reads there; repeatable',
        (url: string, urls: string[] = []) => [...urls, url],
      )
      .action(async (file: string, opts: RunCommandOptions & FleetFlags) =>
        setExit(
          isFleet(opts)
            ? await (
                await import('../fleet/fleet-run.js')
              ).fleetRunCommand(mode, file, { ...opts, targets: opts.targets }, io)
            : await (await import('./run-command.js')).runCommand(mode, file, opts, io),
        ),
      );
    addFleetOptions(command);
  }

  const rollback = program
    .command('rollback')
    .description('undo completed steps in reverse, allowed until contract starts')
    .argument('<file>', 'plan file')
    .option('--yes', 'answer the confirmation with yes')
    .option('--json', 'JSON lines instead of text (CI)')
    .addOption(database())
    .action(async (file: string, opts: { yes?: boolean; database?: string; json?: boolean } & FleetFlags) =>
      setExit(
        isFleet(opts)
          ? await (
              await import('../fleet/fleet-run.js')
            ).fleetRollbackCommand(file, { ...opts, targets: opts.targets }, io)
          : await (await import('./run-command.js')).rollbackCommand(file, opts, io),
      ),
    );
  addFleetOptions(rollback);
}

/** status, pause, resume. */
function registerStatusCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const database = databaseOption;
  const status = program
    .command('status')
    .description(
      'every known plan (or one): phase, each step, backfill progress, what comes next; reads only the state ' +
        'tables, and says which database it read (exit 4 when there is none to read)',
    )
    .argument('[file]', 'plan file')
    .option('--json', 'machine-readable output')
    .addOption(database())
    .action(async (file: string | undefined, opts: { json?: boolean; database?: string } & FleetFlags) =>
      setExit(
        isFleet(opts)
          ? await (
              await import('../fleet/fleet-status.js')
            ).fleetStatusCommand(file, { ...opts, targets: opts.targets }, io)
          : await (await import('./status-command.js')).statusCommand(file, opts, io),
      ),
    );
  addFleetOptions(status);

  for (const action of ['pause', 'resume'] as const) {
    program
      .command(action)
      .description(
        action === 'pause'
          ? 'from another terminal: a running backfill stops at its next batch boundary'
          : 'a paused backfill goes on',
      )
      .argument('<file>', 'plan file')
      .addOption(database())
      .action(async (file: string, opts: { database?: string }) =>
        setExit(await (await import('./control-command.js')).controlCommand(action, file, opts, io)),
      );
  }
}

function registerTestCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('test')
    .description(
      'rehearse the whole plan and its rollback on throwaway databases (embedded PGlite, or scratch ' +
        "databases on --database's server), seeded from a SQL file or from a live database's structure plus " +
        'generated rows',
    )
    .argument('<file>', 'plan file')
    .option('--seed <sql-file>', 'SQL script that creates and fills the tables (run on an empty database)')
    .option(
      '--schema-from <url>',
      "copy the structure of the plan's tables from this database (read only) and generate rows",
    )
    .option('--rows <n>', 'generated rows per table with --schema-from (default 1000)')
    .option(
      '--database <url>',
      'PostgreSQL server to create the scratch databases on (default: embedded PGlite; DATABASE_URL is not ' +
        'used); a dialect: mssql plan needs a SQL Server here (sqlserver://…)',
    )
    .option('--container', 'scratch databases in a PostgreSQL container (testcontainers; needs a Docker engine)')
    .option('--json', 'one JSON document instead of the table')
    .action(async (file: string, opts: import('./test-command.js').TestOptions) =>
      setExit(await (await import('./test-command.js')).testCommand(file, opts, io)),
    );
}

function registerNewCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('new')
    .description(
      'write a plan from a template in templates/ into plans/ (validated and linted first); --list shows the templates',
    )
    .argument('[template]', 'template name, e.g. rename-column')
    .option('--list', 'list the templates and the options each needs')
    .option('--name <name>', 'plan name, also the file name (default: from the template and target)')
    .option('--table <table>', 'table (optionally schema-qualified)')
    .option('--column <column>', 'column')
    .option('--to <column>', 'new column name (rename-column)')
    .option('--type <type>', 'SQL type, e.g. bigint or numeric(12,2)')
    .option('--references <table.column>', 'referenced column (add-foreign-key)')
    .option('--columns <a,b>', 'comma-separated columns')
    .option(
      '--view <view>',
      'materialized view (replace-materialized-view; refresh-cronjob: repeat for more)',
      moreViews,
    )
    .option('--schedule <cron>', 'refresh-cronjob: when it runs, e.g. "0 * * * *" (UTC; the default)')
    .option('--query <sql>', 'SELECT defining the view (replace-materialized-view)')
    .option('--expression <sql>', 'SQL computing the value from the row (add-not-null-column)')
    .option(
      '--database <url>',
      'change-type, rename-column: read what the column carries (NOT NULL, default, indexes, constraints, ' +
        'grants) and declare it in the plan',
    )
    .option('--dialect <dialect>', 'postgres (default) or mssql: the SQL the plan is written in')
    .option('--targets <file>', 'fleet-job: the targets file (completions = its number of targets)')
    .option('--plan <file>', 'fleet-job: the plan the Job advances')
    .option('--phase <phase>', 'fleet-job: the phase it advances (default expand)')
    .option('--concurrency <n>', 'fleet-job: targets at once, the Job parallelism (default 1)')
    .option('--out <dir>', 'folder to write to (default plans/; k8s/ for refresh-cronjob and fleet-job)')
    .option('--force', 'overwrite an existing file')
    .action(async (template: string | undefined, opts: import('./new-command.js').NewOptions) =>
      setExit(await (await import('./new-command.js')).newCommand(template, opts, io)),
    );
}

function registerDoctorAndDemo(program: Command, io: Io, setExit: (code: number) => void): void {
  const database = databaseOption;
  program
    .command('doctor')
    .description(
      'preflight before a migration: long transactions, sessions idle in transaction, prepared transactions, ' +
        'invalid indexes, replicas and slots, a pooler in front, server version and capabilities; exit 1 ' +
        'when something would block',
    )
    .addOption(database())
    .option('--json', 'machine-readable output (documented in src/doctor/format.ts)')
    .option('--long-transaction <duration>', 'a transaction open longer than this fails the check', '5m')
    .option(
      '--idle-in-transaction <duration>',
      'a session idle inside a transaction longer than this fails the check',
      '1m',
    )
    .option('--replica-lag <duration>', 'a replica further behind than this is a warning', '30s')
    .option(
      '--replica <url>',
      'a standby to ask for its own replay lag (paused replay, not receiving WAL, unreachable, another cluster or ' +
        'database: fail); repeatable',
      (url: string, urls: string[] = []) => [...urls, url],
    )
    .action(async (opts: import('./doctor-command.js').DoctorCommandOptions) =>
      setExit(await (await import('./doctor-command.js')).doctorCommand(opts, io)),
    );

  program
    .command('demo')
    .description(
      'seed a sample orders table and run plans/rename-orders-client-id.yaml end to end (default: an in-memory PGlite)',
    )
    .option('--rows <n>', 'rows to seed', '100000')
    .option('--database <url>', 'database URL (an empty one: the demo creates its own orders table)', 'pglite://memory')
    .action(async (opts: { rows: string; database: string }) =>
      setExit(await (await import('./demo-command.js')).demoCommand(opts, io)),
    );
}

/** Run the CLI; returns the exit code. Never throws, never prints a stack trace for user errors, never a password. */
export async function main(argv: string[], given: Io = processIo()): Promise<number> {
  const io = redactingIo(given, secretsOf(argv, given.env));
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e, io, jsonRequested(argv));
  } finally {
    // A run's last metrics and spans (bounded wait; a no-op when telemetry is off, as by default).
    await flushTelemetry();
  }
}

export { reportError } from './errors.js';
