/** The rules of the dialect boundary (test/dialects/boundary.test.ts): markers per dialect and who may import. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialectImports, markerFindings, type Finding, type Marker } from './boundary-scan.js';

/** Text that only one database's SQL contains. Keywords that are also English only count inside strings. */
export const MARKERS: Record<string, readonly Marker[]> = {
  postgres: [
    { pattern: 'pg_' },
    { pattern: 'SET LOCAL' },
    { pattern: 'to_regclass' },
    { pattern: 'CONCURRENTLY' },
    { pattern: /\$\$(?!\{)/ },
    { pattern: '55P03', stringsOnly: true },
    { pattern: '40P01', stringsOnly: true },
    { pattern: '57014', stringsOnly: true },
    { pattern: '::text' },
    { pattern: '::regclass' },
    { pattern: 'information_schema' },
    { pattern: 'jsonb_' },
  ],
  mssql: [
    { pattern: /\bsys\.[a-z_]/, stringsOnly: true },
    { pattern: /\bsp_[a-z]/, stringsOnly: true },
    { pattern: 'NOLOCK' },
    { pattern: '@@', stringsOnly: true },
    { pattern: 'WITH (ONLINE' },
    { pattern: 'TOP (', stringsOnly: true },
    { pattern: 'OBJECT_ID(' },
    { pattern: 'SYSUTCDATETIME' },
    { pattern: 'WAIT_AT_LOW_PRIORITY' },
  ],
};

/** SQL that any dialect may write: found only outside every dialect folder. */
export const SHARED_SQL_MARKERS: readonly Marker[] = [
  { pattern: 'ALTER TABLE', stringsOnly: true },
  { pattern: 'CREATE INDEX', stringsOnly: true },
  { pattern: 'SELECT ', stringsOnly: true },
];

/** Files that choose an implementation: they may import a dialect folder. */
const MAY_IMPORT_DIALECTS = ['src/dialects/registry.ts', 'src/dialects/app-registry.ts', 'src/index.ts'];

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f.split('\\').join('/')}`)
    .sort();
}

export function dialectFolders(root: string): string[] {
  return readdirSync(join(root, 'src/dialects'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

/** Every crossing of the boundary in one file; none for the CLI. */
function violations(root: string, file: string, folders: readonly string[]): Finding[] {
  if (file.startsWith('src/cli/')) return [];
  const text = readFileSync(join(root, file), 'utf8');
  const home = folders.find((d) => file.startsWith(`src/dialects/${d}/`));
  const found: Finding[] = [];
  for (const [dialect, markers] of Object.entries(MARKERS)) {
    if (dialect !== home) found.push(...markerFindings(file, text, markers, dialect));
  }
  if (home === undefined) found.push(...markerFindings(file, text, SHARED_SQL_MARKERS, 'sql'));
  if (!MAY_IMPORT_DIALECTS.includes(file)) found.push(...dialectImports(root, file, text, folders));
  return found.sort((a, b) => a.line - b.line);
}

/** Every file under src/ that crosses the boundary, with where and how. */
export function boundaryCrossings(root: string): Map<string, Finding[]> {
  const folders = dialectFolders(root);
  const byFile = new Map<string, Finding[]>();
  for (const file of sourceFiles(root, 'src')) {
    const found = violations(root, file, folders);
    if (found.length > 0) byFile.set(file, found);
  }
  return byFile;
}
