/**
 * Zod building blocks shared by the plan schema and every operation's schema.
 * Errors they raise carry enough for the loader to point at file:line:col.
 */
import ms from 'ms';
import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import type { FragmentKind, SqlParser, SqlProblem } from '../dialects/parser.js';
import { dialectNamed } from '../dialects/registry.js';

const IDENT = '[A-Za-z_][A-Za-z0-9_$]*';
const IDENT_RE = new RegExp(`^${IDENT}$`);
const QUALIFIED_RE = new RegExp(`^${IDENT}(\\.${IDENT})?$`);

function identifierProblem(value: string, qualified: boolean): string | undefined {
  const re = qualified ? QUALIFIED_RE : IDENT_RE;
  if (!re.test(value)) {
    const shape = qualified ? 'a name such as orders or sales.orders' : 'a name such as customer_id';
    return (
      `\`${value}\` is not a valid ${qualified ? 'table name' : 'identifier'}: expected ${shape} (letters, digits, _ ` +
      `and $, not starting with a digit)`
    );
  }
  return value
    .split('.')
    .map((part) => activeSqlParser().nameLengthProblem(part))
    .find((problem) => problem !== undefined);
}

function identifierSchema(qualified: boolean, description: string) {
  return z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = identifierProblem(value, qualified);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: problem,
          params: { hint: 'names are emitted quoted where needed; SQL is never spliced from a name' },
        });
    })
    .meta({ pattern: (qualified ? QUALIFIED_RE : IDENT_RE).source })
    .describe(description);
}

/** A column, index or constraint name. Emitted quoted where needed, never spliced. */
export const identifier = identifierSchema(
  false,
  'An identifier: letters, digits, _ and $ (quoted automatically where needed).',
);
/** A table or view name, optionally schema-qualified (`sales.orders`). */
export const qualifiedName = identifierSchema(
  true,
  'A table name, optionally schema-qualified: orders or sales.orders.',
);

/** `2s`, `50ms`, `10m`, `1h`, or a number of milliseconds. Parsed by the `ms` library. */
export const duration = z
  .union([z.string(), z.number().int().min(0)])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const parsed = ms(value as ms.StringValue);
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
      ctx.addIssue({
        code: 'custom',
        message: `\`${value}\` is not a duration`,
        params: { hint: 'write a duration such as 500ms, 2s, 10m or 1h' },
      });
      return z.NEVER;
    }
    return Math.round(parsed);
  })
  .describe('A duration: 500ms, 2s, 10m, 1h, or a number of milliseconds.');

export const percent = z.number().min(0).max(100).describe('A percentage, 0 to 100.');

export const positiveInt = z.number().int().positive();

let activeParser: SqlParser | undefined;
let activeDialect: Dialect | undefined;

/** Runs `check` with the plan's dialect active: its parser checks fragments, its recipes fill messages. */
export function withPlanDialect<T>(dialect: Dialect, check: () => T): T {
  const previous = activeDialect;
  activeDialect = dialect;
  try {
    return withSqlParser(dialect.parser, check);
  } finally {
    activeDialect = previous;
  }
}

/**
 * Runs `check` with SQL fragments checked by `parser` (the plan's dialect's). The loader sets it for
 * one synchronous parse of the steps; without it, fragments are checked with PostgreSQL's parser.
 */
export function withSqlParser<T>(parser: SqlParser, check: () => T): T {
  const previous = activeParser;
  activeParser = parser;
  try {
    return check();
  } finally {
    activeParser = previous;
  }
}

/** The parser of the plan being loaded (load.ts sets it); PostgreSQL's outside a load. */
export function activeSqlParser(): SqlParser {
  return activeParser ?? dialectNamed('postgres').parser;
}

/** The dialect of the plan being loaded, for checks that render SQL; PostgreSQL outside a load. */
export function activePlanDialect(): Dialect {
  return activeDialect ?? dialectNamed('postgres');
}

function sqlIssue(ctx: z.RefinementCtx, problem: SqlProblem, what: string): void {
  const parses = problem.syntax === true;
  ctx.addIssue({
    code: 'custom',
    message: parses ? `SQL ${what} does not parse: ${problem.message}` : problem.message,
    params: {
      offset: problem.offset,
      hint:
        problem.hint ??
        (parses
          ? activeSqlParser().syntaxHint
          : `a SQL ${what} is checked on its own before it is spliced into a statement, so that what runs is what ` +
            `was checked`),
    },
  });
}

/** A string that must be exactly one SQL fragment of `kind`, checked with the plan's dialect's parser. */
function sqlFragment(kind: FragmentKind, what: string) {
  return z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = activeSqlParser().fragmentProblem(value, kind);
      if (problem) sqlIssue(ctx, problem, what);
    });
}

/** A SQL value expression such as `client_id` or `lower(email)`. */
export const sqlExpression = sqlFragment('value', 'expression').describe(
  'A SQL value expression, e.g. client_id or lower(email).',
);

/** A SQL boolean condition such as `customer_id IS NULL`. */
export const sqlCondition = sqlFragment('condition', 'condition').describe(
  'A SQL condition, e.g. customer_id IS NULL.',
);

/** One or more SQL statements (raw `sql` steps). */
export const sqlStatements = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const nul = value.indexOf('\0');
    const problem =
      nul >= 0 ? { message: 'a NUL character in SQL', offset: nul } : activeSqlParser().statementsProblem(value);
    if (problem) sqlIssue(ctx, problem, 'statement');
  })
  .describe('One or more SQL statements.');

/** A single read-only SELECT returning one value (checks, guards, throttles, view queries). */
export const sqlQuery = sqlFragment('query', 'query').describe(
  'A read-only query (no data-modifying WITH, no INTO, no FOR UPDATE).',
);

/** A SQL type such as `bigint`, `varchar(255)`, `numeric(12,2)`, `timestamptz`, `text[]`. */
export const sqlType = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = activeSqlParser().fragmentProblem(value, 'type');
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        message: `\`${value}\` is not a SQL type: ${problem.message}`,
        params: {
          offset: problem.offset,
          hint: 'write a type such as bigint, text, varchar(255), numeric(12,2) or timestamptz',
        },
      });
    }
  })
  .describe('A SQL type: bigint, text, varchar(255), numeric(12,2), timestamptz, ...');
