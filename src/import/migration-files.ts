/**
 * The .sql files of an import in the order the migration tool applies them: Flyway's V<version>__ files by version
 * (then R__ repeatables by name; U undo files left out), `<timestamp>_name/migration.sql` folders (Prisma) and
 * timestamp-prefixed files (Rails, Knex, golang-migrate) by natural sort; `.down.sql` files left out. Subfolders are
 * searched; a symlink is followed only when it stays inside the folder; every file left out is listed.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { UsageError } from '../errors.js';

export interface MigrationFiles {
  /** Paths relative to the imported folder (or the file's name), in apply order. */
  files: string[];
  /** How the order was decided, for the plan's header comment. */
  order: string;
  /** Files seen and left out, with why. */
  skipped: string[];
}

const FLYWAY = /^([VRU])([0-9][0-9._]*)?__.+\.sql$/i;
const isFlyway = (file: string) => FLYWAY.test(basename(file));
const natural = (a: string, b: string) =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

interface Found {
  sql: string[];
  ignored: string[];
}

/** A symlink is followed only when what it points to is inside the imported folder. */
function resolved(root: string, path: string, shown: string) {
  const real = realpathSync(path);
  const inside = relative(root, real);
  if (inside.startsWith('..') || isAbsolute(inside))
    throw new UsageError(
      `${shown}: a symbolic link to ${real}, outside the imported folder; nothing was written`,
      'copy the file into the folder (or import the folder it points to) and import again',
    );
  return statSync(real);
}

/** Every .sql file under `dir` (Flyway keeps migrations in subfolders), and every other file seen. */
function walkFolder(root: string, dir: string, found: Found): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const shown = dir ? `${dir}/${entry.name}` : entry.name;
    const stat = entry.isSymbolicLink() ? resolved(root, join(root, shown), shown) : undefined;
    const isDir = stat ? stat.isDirectory() : entry.isDirectory();
    const isFile = stat ? stat.isFile() : entry.isFile();
    if (isDir) walkFolder(root, shown, found);
    else if (isFile && entry.name.toLowerCase().endsWith('.sql')) found.sql.push(shown);
    else found.ignored.push(`${shown}: not a .sql file`);
  }
}

function candidates(dir: string): Found {
  const found: Found = { sql: [], ignored: [] };
  walkFolder(realpathSync(dir), '', found);
  return found;
}

function versionParts(file: string): number[] {
  const version = FLYWAY.exec(basename(file))?.[2] ?? '';
  return version.split(/[._]/).filter(Boolean).map(Number);
}

function byVersion(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return natural(a, b);
}

function flywayOrder(files: string[]): MigrationFiles {
  const kind = (f: string) => FLYWAY.exec(basename(f))?.[1]?.toUpperCase();
  const versioned = files.filter((f) => kind(f) === 'V').sort(byVersion);
  const repeatable = files.filter((f) => kind(f) === 'R').sort(natural);
  return {
    files: [...versioned, ...repeatable],
    order: 'Flyway: V<version>__ files by version, then R__ repeatable files by name',
    skipped: files
      .filter((f) => kind(f) === 'U')
      .map((f) => `${f}: a Flyway undo migration (rollback comes from the plan)`),
  };
}

export function migrationFiles(dir: string): MigrationFiles {
  const { sql: all, ignored } = candidates(dir);
  const down = all.filter((f) => /(^|[._/])down\.sql$/i.test(f));
  const files = all.filter((f) => !down.includes(f));
  const skipped = [...ignored, ...down.map((f) => `${f}: a down migration (rollback comes from the plan)`)];
  if (files.length > 0 && files.every(isFlyway)) {
    const flyway = flywayOrder(files);
    return { ...flyway, skipped: [...skipped, ...flyway.skipped] };
  }
  const nested = files.some((f) => f.includes('/'));
  return {
    files: [...files].sort(natural),
    order: nested
      ? 'timestamp-prefixed migration folders (<folder>/migration.sql), natural sort'
      : 'file names in natural sort (timestamp or number prefixes in order)',
    skipped,
  };
}
