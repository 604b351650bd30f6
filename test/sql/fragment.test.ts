/**
 * A SQL fragment from a plan is accepted only as exactly one expression (condition, type, query)
 * on its own: what schemashift splices is what was checked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fragmentProblem, type FragmentKind } from '../../src/dialects/postgres/sql/fragment.js';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';

beforeAll(ensureSqlParser);

/** [fragment, kind, what the refusal says, offset of the problem in the fragment] */
const REFUSED: [string, FragmentKind, RegExp, number][] = [
  ["'x' --", 'value', /a comment \(`--`\)/, 4],
  ['total >= 0 --', 'condition', /a comment \(`--`\)/, 11],
  ['x /* note */ + 1', 'value', /a comment \(`\/\*`\)/, 2],
  ['1; DROP TABLE x', 'value', /`;` in a SQL expression/, 1],
  ['client_id) ; DROP TABLE users; --', 'value', /`\)` closes a bracket the SQL expression did not open/, 9],
  ['a) OR (b', 'condition', /`\)` closes a bracket/, 1],
  ['(a OR b', 'condition', /`\(` is never closed/, 0],
  ['arr[1', 'value', /`\[` is never closed/, 3],
  ['1, 2', 'value', /found 2 expressions separated by commas/, 0],
  ['1 FROM users', 'value', /found FROM after it/, 0],
  ['true UNION SELECT false', 'condition', /found UNION\/INTERSECT\/EXCEPT after it/, 0],
  ['1 ORDER BY 1', 'value', /found ORDER BY after it/, 0],
  ['1 x', 'value', /an alias `x` after it/, 3],
  ['*', 'value', /`\*` is not a SQL expression/, 0],
  ["'a\\'", 'value', /backslash inside '…'.*standard_conforming_strings/, 0],
  ["'abc", 'value', /unterminated quoted string/, 0],
  ['', 'value', /is empty/, 0],
  ['x\u0000', 'value', /a NUL character/, 1],
  ['int; DROP TABLE users', 'type', /`;` in a SQL type/, 3],
  ['int COLLATE "C"', 'type', /more than a type/, 0],
  ['int) FROM pg_class --', 'type', /`\)` closes a bracket/, 3],
  ['SELECT 1;', 'query', /`;` in a SQL query/, 8],
  ['SELECT 1 -- count', 'query', /a comment/, 9],
  ['SELECT 1; DELETE FROM canary', 'query', /`;` in a SQL query/, 8],
  [
    'WITH d AS (DELETE FROM canary RETURNING 1) SELECT count(*) FROM d',
    'query',
    /modifies data \(WITH d AS \(DELETE …\)\); a query here only reads$/,
    5,
  ],
  [
    'WITH u AS (UPDATE canary SET v = 0 RETURNING 1) SELECT count(*) FROM u',
    'query',
    /modifies data \(WITH u AS \(UPDATE …\)\)/,
    5,
  ],
  ['WITH i AS (INSERT INTO canary VALUES (1) RETURNING 1) SELECT 1', 'query', /modifies data/, 5],
  ['SELECT * INTO copy FROM canary', 'query', /SELECT … INTO creates a table/, 0],
  ['SELECT * FROM canary FOR UPDATE', 'query', /FOR UPDATE\/FOR SHARE locks rows/, 0],
  ['DELETE FROM canary', 'query', /expected a SELECT query, found DeleteStmt/, 0],
  ['$$x$$', 'value', /a dollar-quoted string.*could close the dollar quote/, 0],
  ['$schemashift$; DROP TABLE IF EXISTS canary; SELECT $schemashift$', 'value', /a dollar-quoted string/, 0],
  ['id > $1', 'condition', /`\$1` in a SQL condition: parameters are bound by schemashift/, 5],
  [
    '(SELECT id FROM canary FOR UPDATE)',
    'value',
    /FOR UPDATE\/FOR SHARE locks rows; a SQL expression only computes a value/,
    0,
  ],
];

const ACCEPTED: [string, FragmentKind][] = [
  ['lower(email)', 'value'],
  ["'x'", 'value'],
  ['(true OR false)', 'value'],
  ["E'a\\nb'", 'value'],
  ["'-- not a comment'", 'value'],
  ["'a;b /* c'", 'value'],
  ["E'it\\'s'", 'value'],
  ['"quoted ""name"""', 'value'],
  ["coalesce(review, product || ' is good')", 'value'],
  ["interval '5 minutes'", 'value'],
  ['(SELECT max(id) FROM t)', 'value'],
  ["status = 'pending' AND total > 0", 'condition'],
  ['customer_id IS DISTINCT FROM client_id', 'condition'],
  ['bigint', 'type'],
  ['varchar(255)', 'type'],
  ['numeric(12,2)', 'type'],
  ['timestamp with time zone', 'type'],
  ['text[]', 'type'],
  ['SELECT count(*) FROM orders WHERE customer_id IS NULL', 'query'],
  ['SELECT count(*) FROM (SELECT email FROM customers GROUP BY email HAVING count(*) > 1) AS d', 'query'],
  ['WITH r AS (SELECT 1 AS n) SELECT n FROM r', 'query'],
  ["SELECT '--' || '/*'", 'query'],
];

describe('SQL fragments', () => {
  it.each(REFUSED)('refuses %j as a %s', (fragment, kind, message, offset) => {
    const problem = fragmentProblem(fragment, kind);
    expect(problem?.message).toMatch(message);
    expect(problem?.offset).toBe(offset);
  });

  it.each(ACCEPTED)('accepts %j as a %s', (fragment, kind) => {
    expect(fragmentProblem(fragment, kind)).toBeUndefined();
  });

  it('says where a change belongs when a query writes', () => {
    expect(fragmentProblem('SELECT 1 FOR SHARE', 'query')?.hint).toMatch(
      /READ ONLY transaction\): do the change in a `sql` step/,
    );
  });

  it('counts offsets in characters, not UTF-8 bytes', () => {
    expect(fragmentProblem("'é' -- x", 'value')?.offset).toBe(4);
  });
});
