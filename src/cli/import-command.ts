/**
 * `import FILE.sql|DIR [--name N] [--out PLAN] [--force]`: a plain SQL migration becomes a plan of safe operations,
 * each decision commented. Everything is read, converted and loaded as a plan before one byte is written; any
 * problem (a statement that does not parse, an existing --out, a bad --name) is exit 2 with nothing written.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Dialect } from '../dialects/dialect.js';
import { newImportMemory, type MigrationImporter } from '../dialects/import.js';
import { dialectNamed } from '../dialects/registry.js';
import { PlanError, UsageError } from '../errors.js';
import { buildPlanDocument, summarise, type ImportedFile } from '../import/build-plan.js';
import { migrationFiles, type MigrationFiles } from '../import/migration-files.js';
import { nameFromPath, nameProblem } from '../import/plan-name.js';
import { orderConflict } from '../import/step-order.js';
import { parsePlan } from '../plan/load.js';
import { declareCarried, openCatalog, seedMemory, type LiveCatalog } from './import-database.js';
import type { Io } from './io.js';

export interface ImportOptions {
  name?: string;
  out?: string;
  force?: boolean;
  dialect?: string;
  database?: string;
}

function importerOf(dialectName: string | undefined): MigrationImporter {
  if (dialectName !== undefined && dialectName !== 'postgres' && dialectName !== 'mssql')
    throw new UsageError(`--dialect ${dialectName}: no such dialect`, 'use --dialect postgres (the default)');
  const dialect: Dialect = dialectNamed(dialectName === 'mssql' ? 'mssql' : 'postgres');
  const reader = dialect.migrationImport;
  if ('refusal' in reader) throw new UsageError(reader.refusal.message, reader.refusal.hint);
  return reader;
}

function layoutOf(source: string): MigrationFiles & { dir: string } {
  const stat = statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`${source}: no such file or folder`, 'give a .sql file or a folder of migrations');
  if (stat.isFile()) return { dir: dirname(source), files: [basename(source)], order: '', skipped: [] };
  const layout = migrationFiles(source);
  if (layout.files.length === 0)
    throw new UsageError(
      `${source}: no .sql files in this folder`,
      'give a .sql file, or a folder holding *.sql or */migration.sql',
    );
  return { ...layout, dir: source };
}

function planName(opts: ImportOptions, source: string): string {
  const name = opts.name ?? nameFromPath(source);
  const problem = nameProblem(name);
  if (problem === undefined) return name;
  if (opts.name !== undefined) throw new UsageError(`--name ${opts.name}: ${problem}`, 'e.g. --name add-orders-status');
  throw new UsageError(
    `cannot make a plan name from ${basename(source)}`,
    'give one with --name, e.g. --name add-orders-status',
  );
}

function outPath(opts: ImportOptions, name: string, cwd: string): string {
  const out = resolve(cwd, opts.out ?? join('plans', `${name}.yaml`));
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(
      `--out ${relative(cwd, out)} is a folder; nothing was written`,
      `give the path of the plan file, e.g. --out ${join(relative(cwd, out) || '.', `${name}.yaml`)}`,
    );
  if (existsSync(out) && !opts.force)
    throw new UsageError(
      `${relative(cwd, out)} already exists; nothing was written`,
      'give another --out path, or --force to overwrite it',
    );
  return out;
}

async function readFiles(
  importer: MigrationImporter,
  layout: MigrationFiles & { dir: string },
  cwd: string,
  catalog: LiveCatalog | undefined,
) {
  const memory = newImportMemory();
  if (catalog) seedMemory(memory, catalog);
  const files: ImportedFile[] = [];
  for (const file of layout.files) {
    const path = join(layout.dir, file);
    const read = importer.read(await readFile(path, 'utf8'), memory);
    if (!read.ok)
      throw new PlanError([
        {
          at: { file: relative(cwd, path), line: read.error.line, col: read.error.col },
          message: `${read.error.message}; nothing was written`,
          hint:
            read.error.hint ??
            'the file is read with the PostgreSQL parser: fix the SQL at this position and import again',
        },
      ]);
    files.push({ label: file, statements: read.statements, notes: read.notes ?? [] });
  }
  return files;
}

function refuseReordering(files: ImportedFile[], layout: MigrationFiles & { dir: string }, cwd: string): void {
  const conflict = orderConflict(files);
  if (!conflict) return;
  const { earlier, later } = conflict;
  const shown = (s: { file: string; line: number }) => `${relative(cwd, join(layout.dir, s.file))}:${s.line}`;
  throw new PlanError([
    {
      at: { file: relative(cwd, join(layout.dir, later.file)), line: later.line, col: later.col },
      message:
        `${later.summary}: the plan would run it out of the order of the SQL: ${conflict.what}; ` +
        `the earlier statement is ${shown(earlier)} (${earlier.summary}); nothing was written`,
      hint:
        `split the migration at ${shown(later)}: import the part before it as one plan and the rest as a second ` +
        'plan with `after: [<first plan>]` (see docs/in-flight.md), so each part runs in the order written',
    },
  ]);
}

/** The statement a line of the plan text came from: the nearest `file:line:` comment above it. */
export function sourceOfPlanLine(
  text: string,
  line: number,
  files: ImportedFile[],
): { file: string; line: number } | undefined {
  const lines = text.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--)
    for (const file of files) {
      const prefix = `# ${file.label}:`;
      const at = lines[i]!.trim();
      if (at.startsWith(prefix)) {
        const number = Number.parseInt(at.slice(prefix.length), 10);
        if (Number.isInteger(number)) return { file: file.label, line: number };
      }
    }
  return undefined;
}

/** The plan must load before it is written; if it does not, the problem is reported at the SQL it came from. */
async function loadsAsPlan(
  text: string,
  planPath: string,
  files: ImportedFile[],
  layout: MigrationFiles & { dir: string },
  cwd: string,
): Promise<void> {
  try {
    await parsePlan(planPath, text);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    throw new PlanError(
      e.problems.map((p) => {
        const source = sourceOfPlanLine(text, p.at.line, files);
        return {
          at: source
            ? { file: relative(cwd, join(layout.dir, source.file)), line: source.line, col: 1 }
            : { file: planPath, line: p.at.line, col: p.at.col },
          message: `the step imported from this statement does not load as a plan (${p.message}); ${planPath} was not written`,
          hint: 'rewrite the statement more plainly (or keep it as raw SQL in a plan written by hand), then import again',
        };
      }),
    );
  }
}

export async function importCommand(sourceArg: string, opts: ImportOptions, io: Io): Promise<number> {
  const importer = importerOf(opts.dialect);
  const source = resolve(io.cwd, sourceArg);
  const layout = layoutOf(source);
  const name = planName(opts, source);
  const out = outPath(opts, name, io.cwd);
  await importer.load();
  const catalog = opts.database === undefined ? undefined : await openCatalog(opts.database, io.cwd);
  let files: ImportedFile[];
  try {
    files = await readFiles(importer, layout, io.cwd, catalog);
    refuseReordering(files, layout, io.cwd);
    if (catalog)
      await declareCarried(
        files.flatMap((f) => f.statements),
        catalog,
      );
  } finally {
    await catalog?.conn.close();
  }
  const summary = summarise(files);
  if (summary.steps === 0)
    throw new UsageError(
      summary.statements === 0
        ? `${sourceArg}: no SQL statements to import`
        : `${sourceArg}: every statement was left out (transaction control, settings or migration history)`,
      'give the migration that changes the schema',
    );
  const doc = buildPlanDocument(name, basename(source), files, layout);
  const text = doc.toString({ lineWidth: 0 });
  await loadsAsPlan(text, relative(io.cwd, out), files, layout, io.cwd);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  io.out(
    `wrote ${relative(io.cwd, out)}: ${summary.statements} statements → ${summary.steps} steps ` +
      `(${summary.raw} kept as raw SQL, ${summary.dropped} left out)\n` +
      `next: read the comments, then schemashift validate ${relative(io.cwd, out)}\n`,
  );
  return 0;
}
