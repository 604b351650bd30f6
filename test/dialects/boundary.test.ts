/**
 * The dialect boundary: a file under src/ outside `src/dialects/<name>/` (and `src/cli/`) holds no SQL of
 * a dialect (markers per dialect, comments ignored) and imports nothing from a dialect folder (except the
 * registry, the CLI and the package entry, which pick an implementation). KNOWN_VIOLATIONS lists the
 * files that still cross it; the list may only shrink: a listed file that is clean fails too.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialectImports, markerFindings, type Finding } from './boundary-scan.js';
import { boundaryCrossings, dialectFolders, MARKERS, SHARED_SQL_MARKERS } from './boundary-rules.js';
import { KNOWN_VIOLATIONS } from './boundary-known-violations.js';

const root = join(import.meta.dirname, '..', '..');

function report(byFile: Map<string, Finding[]>): string {
  return [...byFile].flatMap(([file, found]) => found.map((f) => `  ${file}:${f.line}: ${f.what}`)).join('\n');
}

describe('the dialect boundary', () => {
  const folders = dialectFolders(root);
  const byFile = boundaryCrossings(root);

  it('has a marker list for every dialect folder', () => {
    expect(folders.filter((d) => MARKERS[d] === undefined)).toEqual([]);
  });

  it('is crossed by no file outside KNOWN_VIOLATIONS', () => {
    const known = new Set(KNOWN_VIOLATIONS);
    const fresh = new Map([...byFile].filter(([file]) => !known.has(file)));
    const message =
      `${fresh.size} file(s) hold SQL of a dialect or import a dialect folder:\n${report(fresh)}\n` +
      'move the SQL into src/dialects/<name>/ behind an interface in src/dialects/<part>.ts';
    expect(fresh.size === 0 ? '' : message).toBe('');
  });

  it('KNOWN_VIOLATIONS only shrinks: every listed file still crosses it', () => {
    const clean = KNOWN_VIOLATIONS.filter((file) => !byFile.has(file));
    const message =
      `these files no longer cross the boundary (or no longer exist): remove them from ` +
      `test/dialects/boundary-known-violations.ts:\n${clean.map((f) => `  ${f}`).join('\n')}`;
    expect(clean.length === 0 ? '' : message).toBe('');
  });

  it('lists each known violation once, sorted', () => {
    expect([...KNOWN_VIOLATIONS]).toEqual([...new Set(KNOWN_VIOLATIONS)].sort());
  });
});

describe('the boundary scan', () => {
  const markers = [...(MARKERS.postgres ?? []), ...SHARED_SQL_MARKERS];

  it('ignores comments and finds markers in strings and templates', () => {
    const text = [
      '// SELECT pg_sleep(1) in a line comment',
      '/* SET LOCAL lock_timeout in a block comment */',
      "const a = 'SELECT 1';",
      'const b = `x ${a /* pg_ in a comment inside a template */} ::text`;',
      'const c = selectAll; // SELECT in a trailing comment',
    ].join('\n');
    expect(markerFindings('x.ts', text, markers, 'postgres')).toEqual([
      { line: 3, what: 'postgres marker SELECT ' },
      { line: 4, what: 'postgres marker ::text' },
    ]);
  });

  it('finds imports of a dialect folder, static and dynamic', () => {
    const text = [
      "import { postgres } from '../dialects/postgres/postgres-dialect.js';",
      "import type { Dialect } from '../dialects/dialect.js';",
      "const m = await import('../dialects/postgres/ddl.js');",
    ].join('\n');
    expect(dialectImports(root, 'src/runner/x.ts', text, ['postgres']).map((f) => f.line)).toEqual([1, 3]);
    expect(dialectImports(root, 'src/dialects/postgres/x.ts', text, ['postgres'])).toEqual([]);
  });
});
