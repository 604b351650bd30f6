/**
 * Every malformed plan in test/fixtures/invalid-plans is refused with exit 2, its file:line:col,
 * a message saying what is wrong and a hint, no stack trace, and nothing executed (these commands
 * never open a database).
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const dir = 'test/fixtures/invalid-plans';

/** [fixture, line:col of the first problem, what the message must say, what the hint must say] */
const CASES: [string, string, RegExp, RegExp][] = [
  ['01-tab-indent', '4:1', /tab character is used for indentation/, /spaces/],
  ['02-duplicate-key', '6:9', /duplicate key `table`/, /remove one/],
  ['03-duplicate-step-id', '6:7', /duplicate step id `add-a` \(first used at line 4\)/, /own id/],
  ['04-unknown-phase', '5:3', /unknown phase `cleanup`/, /expand, migrate and contract/],
  ['05-phase-typo', '3:3', /unknown phase `expnad`/, /did you mean `expand`\?/],
  ['06-unknown-operation', '4:7', /unknown operation `add_colum`/, /did you mean `add_column`\?/],
  ['07-table-injection', '4:28', /`orders; DROP TABLE users` is not a valid table name/, /never spliced/],
  ['08-missing-name', '1:1', /missing `name`, expected a string/, /add `name:`/],
  ['09-name-is-list', '1:1', /`name` is a list, expected a string/, /string/],
  ['10-bad-duration', '3:17', /`two seconds` is not a duration/, /500ms, 2s, 10m/],
  ['11-negative-retries', '3:17', /`lock_retries` must be ≥ 0, found number `-1`/, /≥ 0/],
  ['12-batch-size-zero', '7:24', /`size` must be > 0, found number `0`/, /> 0/],
  ['13-flag-stage-over-100', '6:26', /`stages\[2\]` must be ≤ 100, found number `150`/, /≤ 100/],
  ['14-where-syntax-error', '7:31', /SQL condition does not parse: syntax error at or near "NUL"/, /PostgreSQL parser/],
  ['15-raw-sql-syntax-error', '7:61', /SQL statement does not parse: syntax error at or near ";"/, /PostgreSQL parser/],
  [
    '16-volatile-default',
    '6:53',
    /gen_random_uuid\(\), which is volatile/,
    /SET DEFAULT gen_random_uuid\(\).*backfill/,
  ],
  ['17-not-null-without-default', '6:55', /NOT NULL without a default/, /set_not_null/],
  ['18-unknown-key', '6:9', /unknown key `colum` in add_column/, /did you mean `column`\?/],
  ['19-step-is-string', '4:7', /step 1 of expand is not an operation/, /add_column: \{/],
  ['20-two-operations', '4:7', /one step lists 2 operations \(add_column, create_index\)/, /own `- ` list item/],
  ['21-empty-file', '1:1', /found an empty file/, /plans\/rename-orders-client-id.yaml/],
  ['22-top-level-list', '1:1', /a plan is a mapping with name and phases/, /start from/],
  ['23-yaml-syntax', '5:1', /YAML syntax: Flow map/, /indentation/],
  ['24-bad-column-name', '4:52', /`1abc` is not a valid identifier/, /quoted where needed/],
  ['25-identifier-too-long', '4:44', /is 68 bytes long; PostgreSQL names are at most 63 bytes/, /./],
  ['26-index-method-typo', '4:73', /`method` is the string `btre`, expected one of btree/, /did you mean `btree`\?/],
  ['27-index-without-columns', '4:7', /an index needs `columns` or `expressions`/, /columns: \[/],
  ['28-settings-typo', '3:3', /unknown key `lock_timeot`/, /did you mean `lock_timeout`\?/],
  [
    '29-unknown-dialect',
    '2:10',
    /`dialect` is the string `oracle`, expected one of postgres, mssql/,
    /postgres, mssql/,
  ],
  [
    '30-step-id-with-spaces',
    '4:11',
    /`id` is the string `add the column`, expected letters, digits/,
    /characters allowed/,
  ],
  ['31-suppression-without-reason', '5:7', /lint: missing `reason`/, /add `reason:`/],
  ['32-type-injection', '4:65', /`int; DROP TABLE users` is not a SQL type: `;` in a SQL type/, /bigint, text/],
  ['33-composite-in-contract', '4:7', /`rename_column` cannot be listed under contract/, /list it under expand/],
  ['34-no-steps', '2:1', /the plan has no steps/, /phases.expand/],
  ['35-flag-stages-decreasing', '4:37', /stages must increase/, /10, 50, 100/],
  [
    '36-set-expression-injection',
    '6:39',
    /`\)` closes a bracket the SQL expression did not open/,
    /checked on its own/,
  ],
  ['37-default-trailing-comment', '4:101', /a comment \(`--`\) in a SQL expression/, /checked on its own/],
  ['38-check-expression-comment', '4:82', /a comment \(`--`\) in a SQL condition/, /checked on its own/],
  [
    '40-check-writes',
    '5:19',
    /the query modifies data \(WITH d AS \(DELETE …\)\); a query here only reads/,
    /READ ONLY transaction\): do the change in a `sql` step/,
  ],
  ['41-undefined-alias', '4:44', /the alias `\*column` refers to no anchor `&column`/, /define `&column`/],
  ['42-billion-laughs', '4:8', /YAML aliases here expand to more than 100 copies/, /write the values out/],
  ['43-alias-fan-out', '5:53', /YAML aliases here expand to more than 100 copies/, /write the values out/],
  ['44-nul-byte', '4:30', /a NUL character \(U\+0000\) in the plan file/, /no control characters/],
  ['45-invalid-utf8', '2:17', /the byte 0xE9 here is not valid UTF-8/, /save the file as UTF-8/],
  ['46-nul-escape', '4:21', /a NUL character \(U\+0000\) in this value/, /no control characters/],
];

describe('malformed plans', () => {
  it('every fixture has a case and every case a fixture', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    expect(files).toEqual(CASES.map(([name]) => name).sort());
  });

  it.each(CASES)('%s → exit 2 at %s', async (name, at, message, hint) => {
    const file = `${dir}/${name}.yaml`;
    for (const argv of [
      ['validate', file],
      ['plan', file],
    ]) {
      const io = captureIo();
      const code = await main(argv, io);
      const err = io.stderr() + io.stdout();
      expect(code, err).toBe(2);
      const first = err.split('\n')[0] ?? '';
      // `plan` says `error:`, `validate` prints compiler-style findings with the id `invalid-plan`.
      expect(first).toMatch(new RegExp(`^${file}:${at}: error(\\[invalid-plan\\])?: `));
      expect(err).toMatch(message);
      expect(err).toMatch(new RegExp(`help: .*${hint.source}`));
      expect(err).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    }
  });
});

describe('the installed binary', () => {
  const run = promisify(execFile);
  it('prints no stack trace and exits 2 on a malformed plan', async () => {
    const result = await run(process.execPath, ['bin/schemashift.js', 'plan', `${dir}/07-table-injection.yaml`]).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect('code' in result ? result.code : 0).toBe(2);
    expect(result.stderr).toContain('07-table-injection.yaml:4:28: error:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });
});
