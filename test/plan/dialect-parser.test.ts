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

  it("keeps checking the fragments of a dialect: mssql plan with PostgreSQL's parser, as before", async () => {
    const yaml = 'name: p\ndialect: mssql\nphases:\n  migrate:\n    - backfill: { table: t, set: { a: "b +" } }\n';
    const error = await parsePlan('p.yaml', yaml).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).problems[0]?.message).toMatch(/SQL expression does not parse/);
  });
});
