/**
 * The .sql files of an import in the order the migration tool applies them: Flyway's V<version>__ files by version
 * (then R__ repeatables by name; U undo files left out), `<timestamp>_name/migration.sql` folders (Prisma) and
 * timestamp-prefixed files (Rails, Knex, golang-migrate) by natural sort; `.down.sql` files left out.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface MigrationFiles {
  /** Paths relative to the imported folder (or the file's name), in apply order. */
  files: string[];
  /** How the order was decided, for the plan's header comment. */
  order: string;
  /** Files seen and left out, with why. */
  skipped: string[];
}

const FLYWAY = /^([VRU])([0-9][0-9._]*)?__.+\.sql$/i;
const natural = (a: string, b: string) =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

function candidates(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.sql')) found.push(entry.name);
    else if (entry.isDirectory()) {
      for (const inner of ['migration.sql', 'up.sql'])
        if (statSync(join(dir, entry.name, inner), { throwIfNoEntry: false })?.isFile())
          found.push(`${entry.name}/${inner}`);
    }
  }
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
  const kind = (f: string) => FLYWAY.exec(f)?.[1]?.toUpperCase();
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
  const all = candidates(dir);
  const down = all.filter((f) => /(^|[._/])down\.sql$/i.test(f));
  const files = all.filter((f) => !down.includes(f));
  const skipped = down.map((f) => `${f}: a down migration (rollback comes from the plan)`);
  if (files.length > 0 && files.every((f) => FLYWAY.test(f))) {
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
