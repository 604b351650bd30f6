/** The building blocks of the sync function: column qualification, dollar-quote tags, body verification. */
import { describe, expect, it } from 'vitest';
import { dollarQuote, functionProblem, PlpgsqlBody } from '../../src/dialects/postgres/sql/plpgsql-function.js';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';
import { overRecord, rowColumns, rowExpressionProblem } from '../../src/dialects/postgres/sql/row-expression.js';

await ensureSqlParser();

describe('overRecord', () => {
  it.each([
    ["coalesce(review, product || ' is good')", "coalesce(NEW.review, NEW.product || ' is good')"],
    ['"Order" || found::text', 'NEW."Order" || NEW.found::text'],
    ["'é😀' || review", "'é😀' || NEW.review"],
    ['(addr).city', '(NEW.addr).city'],
    ['tags[1]', 'NEW.tags[1]'],
    ["review || 'review' || $$review$$", "NEW.review || 'review' || $$review$$"],
    ['U&"d\\0061t" + 1', 'NEW.U&"d\\0061t" + 1'],
    ['now()', 'now()'],
  ])('%s', (expression, qualified) => {
    expect(overRecord(expression, 'NEW')).toBe(qualified);
  });

  it('lists the columns read', () => {
    expect(rowColumns("coalesce(review, product || ' is good', review)")).toEqual(['review', 'product']);
  });

  it.each([
    ['(SELECT 1)', 'subquery', 0],
    ['a + EXISTS (SELECT 1 FROM t)', 'subquery', 4],
    ['t.a', 'qualified', 0],
    ["'é' || NEW.a", 'qualified', 7],
    ['$1', 'parameter', 0],
  ])('refuses %s, with its offset', (expression, what, offset) => {
    expect(rowExpressionProblem(expression)).toEqual({ message: expect.stringContaining(what), offset });
  });
});

describe('dollarQuote', () => {
  it.each([
    ['x', '$schemashift$x$schemashift$'],
    ['a $schemashift$ b', '$schemashift_1$a $schemashift$ b$schemashift_1$'],
    ['ends with $schemashift', '$schemashift_1$ends with $schemashift$schemashift_1$'],
    ['$schemashift_1$ $schemashift$', '$schemashift_2$$schemashift_1$ $schemashift$$schemashift_2$'],
  ])('%s', (body, quoted) => {
    expect(dollarQuote(body)).toBe(quoted);
  });
});

describe('functionProblem', () => {
  const body = () => {
    const b = new PlpgsqlBody();
    return b
      .line('BEGIN')
      .line(`  ${b.assign('NEW.a', "'x'")}`)
      .line('  RETURN NEW;')
      .line('END');
  };
  const create = (quoted: string) => `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS ${quoted}`;

  it('accepts exactly the intended function', () => {
    expect(functionProblem(create(dollarQuote(body().text())), body())).toBeUndefined();
  });

  it('catches a body closed early, extra statements, and text that is not PL/pgSQL', () => {
    expect(functionProblem(`${create(dollarQuote(body().text()))}; DROP TABLE t`, body())).toMatch(
      /not one CREATE FUNCTION/,
    );
    const injected = body().text().replace('RETURN NEW;', 'DROP TABLE t; RETURN NEW;');
    expect(functionProblem(create(dollarQuote(injected)), Object.assign(body(), { text: () => injected }))).toMatch(
      /other statements/,
    );
    const broken = body().text().replace("'x';", "'x' --;");
    expect(functionProblem(create(dollarQuote(broken)), Object.assign(body(), { text: () => broken }))).toMatch(
      /does not parse as PL\/pgSQL/,
    );
  });
});
