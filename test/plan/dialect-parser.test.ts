/** Plan fragments are checked by the parser of the plan's dialect, set by the loader for one parse. */
import { beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import type { SqlParser } from '../../src/dialects/parser.js';
import { PlanError } from '../../src/errors.js';
import { parsePlan } from '../../src/plan/load.js';
import { sqlExpression, withSqlParser } from '../../src/plan/primitives.js';

beforeAll(() => postgres.parser.load());

describe('the active SQL parser', () => {
  const refusing: SqlParser = {
    ...postgres.parser,
    fragmentProblem: () => ({ message: 'not in this dialect', offset: 0 }),
  };

  it("checks fragments with the parser set for the parse, and PostgreSQL's otherwise", () => {
    const inside = withSqlParser(refusing, () => sqlExpression.safeParse('lower(email)'));
    expect(inside.success).toBe(false);
    expect(inside.error?.issues[0]?.message).toBe('not in this dialect');
    expect(sqlExpression.safeParse('lower(email)').success).toBe(true);
  });

  it('restores the previous parser when the check throws', () => {
    expect(() =>
      withSqlParser(refusing, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(sqlExpression.safeParse('lower(email)').success).toBe(true);
  });

  it("checks the fragments of a dialect: mssql plan with SQL Server's reader: T-SQL passes, PostgreSQL spellings do not", async () => {
    const plan = (where: string) =>
      `name: p\ndialect: mssql\nphases:\n  migrate:\n    - backfill: { table: t, set: { a: b }, where: "${where}" }\n`;
    await expect(parsePlan('p.yaml', plan('a IS NULL OR a <> b'))).resolves.toMatchObject({ dialect: 'mssql' });
    for (const where of ['a IS DISTINCT FROM b', 'a::int > 0', 'b +']) {
      const error = await parsePlan('p.yaml', plan(where)).catch((e: unknown) => e);
      expect(error, where).toBeInstanceOf(PlanError);
    }
  });
});
