import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, formatGithub } from '../../src/lint/format-github.js';
import { formatJson } from '../../src/lint/format-json.js';
import { formatText } from '../../src/lint/format-text.js';
import type { PlanReport } from '../../src/lint/report.js';

const text = 'name: t\nphases:\n  expand:\n    - sql:\n        up: |\n          CREATE INDEX idx ON orders (a);\n';
const plain = { bold: (s: string) => s, red: (s: string) => s, yellow: (s: string) => s, cyan: (s: string) => s };

const reports: PlanReport[] = [
  {
    file: 'plans/a.yaml',
    name: 't',
    valid: true,
    text,
    findings: [
      {
        rule: 'require-concurrent-index-creation',
        severity: 'error',
        message: 'CREATE INDEX without CONCURRENTLY blocks writes',
        help: 'use create_index:\n  - create_index: { table: orders, name: idx, columns: [a] }',
        at: { file: 'plans/a.yaml', line: 6, col: 11 },
        stepId: 'sql:orders',
      },
      {
        rule: 'some-warning',
        severity: 'warning',
        message: 'be careful: 100%',
        help: 'think, twice',
        at: { file: 'plans/a.yaml', line: 4, col: 7 },
      },
    ],
  },
  {
    file: 'plans/b.yaml',
    name: null,
    valid: false,
    findings: [
      {
        rule: 'invalid-plan',
        severity: 'error',
        message: 'unknown operation `add_colum`',
        help: 'did you mean `add_column`?',
        at: { file: 'plans/b.yaml', line: 4, col: 7 },
      },
    ],
  },
];

describe('text', () => {
  it('prints compiler-style findings with an excerpt and caret, then the summary', () => {
    expect(formatText(reports, plain).split('\n')).toEqual([
      'plans/a.yaml:6:11: error[require-concurrent-index-creation]: CREATE INDEX without CONCURRENTLY blocks writes',
      '  |',
      '6 |           CREATE INDEX idx ON orders (a);',
      '  |           ^',
      '  help: use create_index:',
      '          - create_index: { table: orders, name: idx, columns: [a] }',
      '',
      'plans/a.yaml:4:7: warning[some-warning]: be careful: 100%',
      '  |',
      '4 |     - sql:',
      '  |       ^',
      '  help: think, twice',
      '',
      'plans/b.yaml:4:7: error[invalid-plan]: unknown operation `add_colum`',
      '  help: did you mean `add_column`?',
      '',
      '2 plan(s), 2 error(s), 1 warning(s), 1 invalid plan(s)',
      '',
    ]);
  });

  it('colours only when asked', () => {
    const paint = {
      bold: (s: string) => `<b>${s}</b>`,
      red: (s: string) => `<r>${s}</r>`,
      yellow: (s: string) => `<y>${s}</y>`,
      cyan: (s: string) => s,
    };
    expect(formatText(reports.slice(1), paint).split('\n')[0]).toBe(
      '<b>plans/b.yaml:4:7:</b> <b><r>error[invalid-plan]</r></b>: unknown operation `add_colum`',
    );
  });

  it('a clean run prints only the summary', () => {
    expect(formatText([{ file: 'p.yaml', name: 'p', valid: true, findings: [] }], plain)).toBe(
      '1 plan(s), 0 error(s), 0 warning(s)\n',
    );
  });
});

describe('json', () => {
  it('is one stable document', () => {
    const doc = JSON.parse(formatJson(reports));
    expect(doc).toEqual({
      version: 1,
      plans: [
        {
          file: 'plans/a.yaml',
          name: 't',
          valid: true,
          findings: [
            {
              rule: 'require-concurrent-index-creation',
              severity: 'error',
              message: 'CREATE INDEX without CONCURRENTLY blocks writes',
              help: 'use create_index:\n  - create_index: { table: orders, name: idx, columns: [a] }',
              file: 'plans/a.yaml',
              line: 6,
              column: 11,
              step: 'sql:orders',
            },
            {
              rule: 'some-warning',
              severity: 'warning',
              message: 'be careful: 100%',
              help: 'think, twice',
              file: 'plans/a.yaml',
              line: 4,
              column: 7,
              step: null,
            },
          ],
        },
        {
          file: 'plans/b.yaml',
          name: null,
          valid: false,
          findings: [
            {
              rule: 'invalid-plan',
              severity: 'error',
              message: 'unknown operation `add_colum`',
              help: 'did you mean `add_column`?',
              file: 'plans/b.yaml',
              line: 4,
              column: 7,
              step: null,
            },
          ],
        },
      ],
      summary: { plans: 2, errors: 2, warnings: 1, invalid: 1 },
    });
  });
});

describe('github', () => {
  it('one workflow command per finding, escaped, then the summary', () => {
    expect(formatGithub(reports).split('\n')).toEqual([
      '::error file=plans/a.yaml,line=6,col=11,title=schemashift require-concurrent-index-creation::CREATE INDEX without CONCURRENTLY blocks writes%0Ahelp: use create_index:%0A  - create_index: { table: orders, name: idx, columns: [a] }',
      '::warning file=plans/a.yaml,line=4,col=7,title=schemashift some-warning::be careful: 100%25%0Ahelp: think, twice',
      '::error file=plans/b.yaml,line=4,col=7,title=schemashift invalid-plan::unknown operation `add_colum`%0Ahelp: did you mean `add_column`?',
      '2 plan(s), 2 error(s), 1 warning(s), 1 invalid plan(s)',
      '',
    ]);
  });

  it('escapes %, CR, LF in data and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    expect(escapeProperty('C:\\plans\\a,b.yaml')).toBe('C%3A\\plans\\a%2Cb.yaml');
  });
});
