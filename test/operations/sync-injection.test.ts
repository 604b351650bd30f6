/**
 * No text from a plan can close the quoting of the sync function body (issue 9, item 11): with
 * check_function_bodies = off, PostgreSQL would run whatever follows a closed body. Each hostile
 * value is tried in every sync expression field; it is either refused at validate time or
 * installed as exactly the intended expression, and the canary table survives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { installSyncSteps, type SyncSpec } from '../../src/operations/sync-trigger.js';
import type { SqlStep, Step } from '../../src/operations/types.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { forward, parseSpec, runPhase } from '../support/operations.js';

const pg = postgresAdminUrl ? describe : describe.skip;

const BREAKOUT = '$schemashift$; DROP TABLE IF EXISTS canary; SELECT $schemashift$';

/** Valid expressions over one column `{c}`, each hostile to string building. */
const HOSTILE: string[] = [
  BREAKOUT,
  '$schemashift_1$ $schemashift$ $schemashift_1$ || {c}',
  "$$x$$ || {c} || '$$'",
  "'it''s' || {c}",
  "{c} || ' -- not a comment'",
  "{c} /* a comment */ || 'x'",
  "{c} -- a comment\n|| 'y'",
  "';' || {c} || '; DROP TABLE canary;'",
  "E'\\\\' || {c} || E'\\''",
  "'é😀' || {c} || U&'\\0041'",
  "'END; $$ LANGUAGE sql; DROP TABLE canary; --' || {c}",
  "{c} || chr(36) || 'schemashift' || chr(36)",
  "'$schemashift' || {c}",
  "{c} || '$schemashift'",
];

/** Not one expression: refused before anything runs. */
const REFUSED: string[] = [
  '{c}; DROP TABLE canary',
  '$schemashift$ || {c} || $schemashift$; DROP TABLE canary; SELECT $schemashift$',
  "{c}) || 'x'; DROP TABLE canary; SELECT ('",
  '{c} --',
  "{c} || 'x' /*",
  '{c} $schemashift$',
];

interface Field {
  name: string;
  spec: (expression: string) => [kind: string, spec: unknown];
  /** The statement of the application version that makes the trigger evaluate the expression, and the check over that row. */
  write: string;
  check: (expression: string) => string;
  /** The same sync for the trigger generator alone, bypassing the plan's fragment rules. */
  sync: (expression: string) => SyncSpec;
}

const sub = (expression: string, column: string) => expression.replaceAll('{c}', column);

const FIELDS: Field[] = [
  {
    name: 'add_column sync_from.expression',
    spec: (e) => [
      'add_column',
      { table: 'h', column: { name: 'b', type: 'text' }, sync_from: { column: 'a', expression: sub(e, 'a') } },
    ],
    write: "INSERT INTO h (id, a) VALUES (1, 'v')",
    check: (e) => `SELECT b IS NOT DISTINCT FROM (${sub(e, 'a')}) AS ok FROM h WHERE id = 1`,
    sync: (e) => ({ table: 'h', from: 'a', to: 'b', forward: sub(e, 'a') }),
  },
  {
    name: 'add_column sync_from.reverse',
    spec: (e) => [
      'add_column',
      { table: 'h', column: { name: 'b', type: 'text' }, sync_from: { column: 'a', reverse: sub(e, 'b') } },
    ],
    write: "INSERT INTO h (id, b) VALUES (1, 'w')",
    check: (e) => `SELECT a IS NOT DISTINCT FROM (${sub(e, 'b')}) AS ok FROM h WHERE id = 1`,
    sync: (e) => ({ table: 'h', from: 'a', to: 'b', reverse: sub(e, 'b') }),
  },
  {
    name: 'change_type using',
    spec: (e) => [
      'change_type',
      { table: 'h', column: 'a', type: 'text', temp_column: 'b', using: sub(e, 'a'), backfill: { key: ['id'] } },
    ],
    write: "INSERT INTO h (id, a) VALUES (1, 'v')",
    check: (e) => `SELECT b IS NOT DISTINCT FROM (${sub(e, 'a')}) AS ok FROM h WHERE id = 1`,
    sync: (e) => ({ table: 'h', from: 'a', to: 'b', forward: sub(e, 'a') }),
  },
  {
    name: 'change_type reverse_using',
    spec: (e) => [
      'change_type',
      {
        table: 'h',
        column: 'a',
        type: 'text',
        temp_column: 'b',
        reverse_using: `b || ${sub(e, 'b')}`,
        backfill: { key: ['id'] },
      },
    ],
    write: "INSERT INTO h (id, b) VALUES (1, 'w')",
    check: (e) => `SELECT a IS NOT DISTINCT FROM (b || ${sub(e, 'b')}) AS ok FROM h WHERE id = 1`,
    sync: (e) => ({ table: 'h', from: 'a', to: 'b', forward: 'a', reverse: `b || ${sub(e, 'b')}` }),
  },
];

/** The plan's fragment rules refuse comments and dollar quotes on their own; the generator must be safe without them. */
function refusedByFragmentRules(kind: string, spec: unknown): boolean {
  try {
    parseSpec(kind, spec);
    return false;
  } catch (e) {
    expect(String(e)).toMatch(/comment|dollar-quoted/);
    return true;
  }
}

const cases = FIELDS.flatMap((field) => HOSTILE.map((expression) => [field.name, expression, field] as const));

pg('hostile sync expressions with check_function_bodies = off', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await db.exec('SET check_function_bodies = off');
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.exec(
      'DROP TABLE IF EXISTS h, canary; CREATE TABLE h (id int PRIMARY KEY, a text); CREATE TABLE canary (x int); INSERT INTO canary VALUES (42)',
    );
  });

  it('the breakout value leaves the canary table and every later write intact', async () => {
    expect(
      refusedByFragmentRules('add_column', {
        table: 'h',
        column: { name: 'b', type: 'text' },
        sync_from: { column: 'a', expression: BREAKOUT },
      }),
    ).toBe(true);
    await db.exec('ALTER TABLE h ADD COLUMN b text');
    await runPhase(
      db,
      installSyncSteps(postgres, { table: 'h', from: 'a', to: 'b', forward: BREAKOUT }, 'x', 'expand'),
      'expand',
    );
    expect(await db.query('SELECT x FROM canary')).toEqual([{ x: 42 }]);
    await db.exec("INSERT INTO h (id, a) VALUES (1, 'v')");
    expect(await db.query('SELECT b FROM h')).toEqual([{ b: '; DROP TABLE IF EXISTS canary; SELECT ' }]);
  });

  it.each(cases)('%s: %s', async (_name, expression, field) => {
    const [kind, spec] = field.spec(expression);
    let steps: Step[];
    if (refusedByFragmentRules(kind, spec)) {
      await db.exec('ALTER TABLE h ADD COLUMN b text');
      steps = installSyncSteps(postgres, field.sync(expression), 'x', 'expand');
    } else steps = forward(kind, spec);
    const fn = steps.find((s): s is SqlStep => s.id.endsWith('/sync-function'))!;
    expect(fn.sql).toMatch(/LANGUAGE plpgsql AS \$(schemashift(_\d+)?)\$[\s\S]*\$\1\$$/);
    await runPhase(db, steps, 'expand');
    await db.exec(field.write);
    expect(await db.query(field.check(expression))).toEqual([{ ok: true }]);
    expect(await db.query('SELECT x FROM canary')).toEqual([{ x: 42 }]);
  });
});

describe('expressions that are not exactly one expression are refused at validate time', () => {
  it.each(FIELDS.flatMap((field) => REFUSED.map((expression) => [field.name, expression, field] as const)))(
    '%s: %s',
    (_name, expression, field) => {
      const [kind, spec] = field.spec(expression);
      expect(() => parseSpec(kind, spec)).toThrow(/does not parse|one expression|comment|dollar-quoted|bracket|;/);
    },
  );
});
