/**
 * The yardstick: every snippet in test/fixtures/sql/ (one migration each, headed
 * `-- expect: <family> dangerous|safe` and optionally `-- phase: <phase>`) is linted by schemashift
 * (wrapped as a `sql` step in that phase, expand by default) and by squawk (the squawk-cli binary,
 * JSON reporter). A table per family shows what each catches; schemashift must catch every
 * dangerous snippet (so every one squawk catches) and flag no safe one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/lint/types.js';
import { lint, sqlPlan } from './helpers.js';

const CORPUS = fileURLToPath(new URL('../fixtures/sql/', import.meta.url));
const SQUAWK = process.env.SQUAWK_BIN ?? fileURLToPath(new URL('../../node_modules/.bin/squawk', import.meta.url));

/** schemashift rule → the family it answers for. */
const OURS: Record<string, string> = {
  'require-concurrent-index-creation': 'index-creation',
  'require-concurrent-index-deletion': 'index-deletion',
  'constraint-missing-not-valid': 'constraint-not-valid',
  'adding-not-null-constraint': 'set-not-null',
  'adding-required-field': 'required-field',
  'volatile-default': 'volatile-default',
  'changing-column-type': 'type-change',
  'renaming-column': 'rename',
  'renaming-table': 'rename',
  'disallowed-unique-constraint': 'unique-constraint',
  'disallowed-add-primary-key': 'primary-key',
  'require-concurrent-reindex': 'reindex',
  'require-concurrent-detach-partition': 'detach-partition',
  'prefer-jsonb': 'jsonb',
  'prefer-bigint-over-int': 'bigint',
  'prefer-timestamptz': 'timestamptz',
  'ban-drop-database': 'drop-database',
  'ban-stored-generated-column': 'generated-column',
  'ban-exclusion-constraint': 'exclusion-constraint',
  'require-timeout-settings': 'timeout',
  'destructive-outside-contract': 'drop-outside-contract',
  'prefer-robust-stmts': 'robust',
};

/** squawk rule → the families it answers for (squawk reports some dangers under a broader rule). */
const THEIRS: Record<string, string[]> = {
  'require-concurrent-index-creation': ['index-creation'],
  'require-concurrent-index-deletion': ['index-deletion'],
  'constraint-missing-not-valid': ['constraint-not-valid', 'exclusion-constraint'],
  'adding-foreign-key-constraint': ['constraint-not-valid'],
  'adding-not-nullable-field': ['set-not-null'],
  'adding-required-field': ['required-field'],
  'adding-field-with-default': ['volatile-default', 'generated-column'],
  'changing-column-type': ['type-change'],
  'renaming-column': ['rename'],
  'renaming-table': ['rename'],
  'disallowed-unique-constraint': ['unique-constraint'],
  'adding-serial-primary-key-field': ['primary-key'],
  'adding-primary-key-constraint': ['primary-key'],
  'require-concurrent-reindex': ['reindex'],
  'require-concurrent-partition-detach': ['detach-partition'],
  'prefer-bigint-over-int': ['bigint'],
  'prefer-big-int': ['bigint'],
  'prefer-bigint-over-smallint': ['bigint'],
  'prefer-timestamp-tz': ['timestamptz'],
  'prefer-timestamptz': ['timestamptz'],
  'ban-drop-database': ['drop-database'],
  'require-lock-timeout': ['timeout'],
  'require-statement-timeout': ['timeout'],
  'require-timeout-settings': ['timeout'],
  'ban-drop-column': ['drop-outside-contract'],
  'ban-drop-table': ['drop-outside-contract'],
  'ban-truncate-cascade': ['drop-outside-contract'],
  'prefer-robust-stmts': ['robust'],
};

interface Snippet {
  file: string;
  family: string;
  dangerous: boolean;
  phase: 'expand' | 'migrate' | 'contract';
  sql: string;
}

function readCorpus(): Snippet[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${CORPUS}${file}`, 'utf8');
      const expect = /^-- expect: ([a-z-]+) (dangerous|safe)\s*$/m.exec(sql);
      if (!expect?.[1]) throw new Error(`${file}: no "-- expect: <family> dangerous|safe" header`);
      const phase = /^-- phase: (expand|migrate|contract)\s*$/m.exec(sql)?.[1] as Snippet['phase'] | undefined;
      return { file, family: expect[1], dangerous: expect[2] === 'dangerous', phase: phase ?? 'expand', sql };
    });
}

type SquawkRun = { ok: true; byFile: Map<string, string[]> } | { ok: false; why: string };

/** One squawk run over the whole corpus; its rule names per file. */
function runSquawk(files: string[]): SquawkRun {
  if (!existsSync(SQUAWK))
    return {
      ok: false,
      why: `${SQUAWK} is missing: set SQUAWK_BIN to a squawk binary (.ci/run installs squawk-cli@2.66.0 into its own prefix and sets it)`,
    };
  const run = spawnSync(SQUAWK, ['--reporter', 'json', ...files], { cwd: CORPUS, encoding: 'utf8', timeout: 60_000 });
  if (run.error) return { ok: false, why: `squawk did not start: ${run.error.message}` };
  let issues: { file: string; rule_name: string }[];
  try {
    issues = JSON.parse(run.stdout) as typeof issues;
  } catch {
    return {
      ok: false,
      why: `squawk exited ${run.status} without JSON output: ${(run.stderr || run.stdout).slice(0, 300)}`,
    };
  }
  const byFile = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const issue of issues) byFile.get(issue.file.replace(/^\.\//, ''))?.push(issue.rule_name);
  return { ok: true, byFile };
}

const corpus = readCorpus();
const families = [...new Set(corpus.map((s) => s.family))];
const ours = new Map<string, Finding[]>();
let squawk: SquawkRun = { ok: false, why: 'not run' };

const inFamily = (s: Snippet, rules: string[], map: (rule: string) => string[]) =>
  rules.filter((r) => map(r).includes(s.family));
const oursIn = (s: Snippet) =>
  inFamily(
    s,
    (ours.get(s.file) ?? []).map((f) => f.rule),
    (r) => (OURS[r] ? [OURS[r]] : []),
  );
const theirsIn = (s: Snippet) =>
  squawk.ok ? inFamily(s, squawk.byFile.get(s.file) ?? [], (r) => THEIRS[r] ?? []) : [];

function table(): string {
  const rows = [
    ['family', 'dangerous', 'schemashift', 'squawk', 'safe', 'false alarms (ours / squawk)', 'squawk rules that fired'],
  ];
  for (const family of families) {
    const all = corpus.filter((s) => s.family === family);
    const dangerous = all.filter((s) => s.dangerous);
    const safe = all.filter((s) => !s.dangerous);
    const fired = new Set(
      all
        .flatMap((s) => (squawk.ok ? (squawk.byFile.get(s.file) ?? []) : []))
        .filter((r) => (THEIRS[r] ?? []).includes(family)),
    );
    const theirAlarms = squawk.ok ? String(safe.filter((s) => theirsIn(s).length > 0).length) : '?';
    rows.push([
      family,
      String(dangerous.length),
      `${dangerous.filter((s) => oursIn(s).length > 0).length}/${dangerous.length}`,
      squawk.ok ? `${dangerous.filter((s) => theirsIn(s).length > 0).length}/${dangerous.length}` : 'n/a',
      String(safe.length),
      `${safe.filter((s) => (ours.get(s.file) ?? []).length > 0).length} / ${theirAlarms}`,
      squawk.ok ? [...fired].join(', ') || '-' : 'n/a',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')).join('\n');
}

/** Where the two disagree, snippet by snippet. */
function differences(): string {
  if (!squawk.ok) return '';
  const missed = corpus.filter((s) => s.dangerous && theirsIn(s).length === 0).map((s) => s.file);
  const alarms = corpus
    .filter((s) => !s.dangerous && theirsIn(s).length > 0)
    .map((s) => `${s.file} (${theirsIn(s).join(', ')})`);
  return [
    `dangerous snippets squawk does not flag in their family: ${missed.join(', ') || 'none'}`,
    `safe snippets (in schemashift's model) squawk flags: ${alarms.join(', ') || 'none'}`,
  ].join('\n');
}

beforeAll(async () => {
  for (const s of corpus) ours.set(s.file, await lint(sqlPlan(s.sql, s.phase)));
  squawk = runSquawk(corpus.map((s) => s.file));
  if (!squawk.ok) {
    console.error(
      `\n${'!'.repeat(78)}\n!! SQUAWK COULD NOT RUN: ${squawk.why}\n!! Only schemashift is checked against the expect: headers; the comparison is skipped.\n${'!'.repeat(78)}\n`,
    );
  }
  console.log(
    `\nyardstick: ${corpus.length} snippets, ${families.length} families, squawk ${squawk.ok ? 'ran' : 'DID NOT RUN'}\n${table()}\n${differences()}\n`,
  );
});

describe('yardstick: raw-SQL rules against test/fixtures/sql', () => {
  it('the corpus is big enough and every family has a dangerous snippet', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const family of families)
      expect(
        corpus.some((s) => s.family === family && s.dangerous),
        family,
      ).toBe(true);
    for (const rule of Object.keys(OURS)) expect(families, `a family for ${rule}`).toContain(OURS[rule]);
  });

  it.each(corpus.filter((s) => s.dangerous).map((s) => [s.file, s] as const))('schemashift catches %s', (_, s) => {
    expect(oursIn(s), `findings: ${(ours.get(s.file) ?? []).map((f) => f.rule).join(', ') || 'none'}`).not.toEqual([]);
  });

  it.each(corpus.filter((s) => !s.dangerous).map((s) => [s.file, s] as const))('schemashift accepts %s', (_, s) => {
    expect((ours.get(s.file) ?? []).map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });

  it('catches every dangerous snippet that squawk catches in the same family', (ctx) => {
    if (!squawk.ok) {
      ctx.skip(`SQUAWK COULD NOT RUN: ${squawk.why}`);
      return;
    }
    expect(
      [...squawk.byFile.values()].flat().length,
      'squawk reported nothing at all: is the JSON reporter output still parsed right?',
    ).toBeGreaterThan(0);
    const missed = corpus
      .filter((s) => s.dangerous && theirsIn(s).length > 0 && oursIn(s).length === 0)
      .map((s) => s.file);
    expect(missed).toEqual([]);
  });
});
