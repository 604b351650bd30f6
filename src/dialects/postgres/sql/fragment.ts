/**
 * SQL fragments from a plan (defaults, conditions, set values, types, check queries) are spliced
 * into statements schemashift builds. A fragment is accepted only when it is exactly one expression
 * (or type, or query) on its own: no comment that could swallow what follows it, no `;`, no
 * parenthesis closed outside it, no string whose meaning depends on server settings, and a parse
 * tree of the expected shape with nothing else beside it.
 */
import { scanSync, type ScanToken } from 'libpg-query';
import type { FragmentKind } from '../../parser.js';
import { astText, charOffset, walk, type AstNode } from './ast.js';
import { parseSql, type SqlSyntaxError } from './parser.js';

export type { FragmentKind } from '../../parser.js';

const NOUN: Record<FragmentKind, string> = {
  value: 'expression',
  condition: 'condition',
  type: 'type',
  query: 'query',
};
const OPEN = new Set(['(', '[']);
const CLOSE: Record<string, string> = { ')': '(', ']': '[' };

function scan(text: string): ScanToken[] | undefined {
  try {
    return scanSync(text).tokens;
  } catch {
    // The scanner refuses unterminated strings and comments; the parser then says which.
    return undefined;
  }
}

function tokenProblem(token: ScanToken, noun: string): string | undefined {
  const name = token.tokenName;
  if (name === 'SQL_COMMENT' || name === 'C_COMMENT') {
    return (
      `a comment (\`${token.text.slice(0, 2)}\`) in a SQL ${noun}: a comment can swallow the SQL that ` +
      `schemashift writes after the ${noun} (\`DEFAULT 'x' -- NOT NULL\`); remove it`
    );
  }
  if (token.text === ';')
    return (
      `\`;\` in a SQL ${noun}: it would end the statement the ${noun} is spliced into; write one ${noun} ` +
      `without \`;\``
    );
  if (name === 'SCONST' && token.text.startsWith('$')) {
    return (
      `a dollar-quoted string in a SQL ${noun}: it could close the dollar quote of a function body it is ` +
      `spliced into; write it as '…' (double every ')`
    );
  }
  if (name === 'PARAM')
    return (
      `\`${token.text}\` in a SQL ${noun}: parameters are bound by schemashift itself (a backfill binds ` +
      `its key range); write the value`
    );
  if (name === 'SCONST' && token.text.startsWith("'") && token.text.includes('\\')) {
    return (
      `a backslash inside '…' in a SQL ${noun}: its meaning depends on standard_conforming_strings; write ` +
      `the string as E'…' (escapes) or without the backslash`
    );
  }
  return undefined;
}

/** Comments, `;`, settings-dependent strings and parentheses that do not balance inside the fragment. */
function lexicalProblem(text: string, kind: FragmentKind): SqlSyntaxError | undefined {
  const tokens = scan(text);
  if (!tokens) return undefined;
  const open: ScanToken[] = [];
  for (const token of tokens) {
    const at = charOffset(text, token.start);
    const problem = tokenProblem(token, NOUN[kind]);
    if (problem) return { message: problem, offset: at };
    if (OPEN.has(token.text)) open.push(token);
    const closes = CLOSE[token.text];
    if (closes !== undefined) {
      if (open.pop()?.text !== closes)
        return {
          message:
            `\`${token.text}\` closes a bracket the SQL ${NOUN[kind]} did not open; balance the brackets ` +
            `inside the ${NOUN[kind]}`,
          offset: at,
        };
    }
  }
  const unclosed = open.pop();
  if (unclosed)
    return {
      message: `\`${unclosed.text}\` is never closed in the SQL ${NOUN[kind]}; close it inside the ${NOUN[kind]}`,
      offset: charOffset(text, unclosed.start),
    };
  return undefined;
}

const PREFIX: Record<Exclude<FragmentKind, 'query'>, string> = {
  value: 'SELECT ',
  condition: 'SELECT ',
  type: 'SELECT NULL::',
};
/** Keys a bare `SELECT <expr>` has; anything else (FROM, WHERE, ORDER BY, UNION…) came from the fragment. */
const BARE_SELECT_KEYS = new Set(['targetList', 'limitOption', 'op']);
const CLAUSES: Record<string, string> = {
  fromClause: 'FROM',
  whereClause: 'WHERE',
  groupClause: 'GROUP BY',
  havingClause: 'HAVING',
  windowClause: 'WINDOW',
  sortClause: 'ORDER BY',
  limitCount: 'LIMIT',
  limitOffset: 'OFFSET',
  lockingClause: 'FOR UPDATE',
  withClause: 'WITH',
  distinctClause: 'DISTINCT',
  intoClause: 'INTO',
  valuesLists: 'VALUES',
  larg: 'UNION/INTERSECT/EXCEPT',
};

function firstStatement(
  sql: string,
  prefixLength: number,
  fragment: string,
): { node?: AstNode; error?: SqlSyntaxError; count: number } {
  const parsed = parseSql(sql);
  if (!parsed.ok)
    return {
      error: { message: parsed.error.message, offset: clamp(parsed.error.offset - prefixLength, fragment) },
      count: 0,
    };
  const stmts = parsed.result.stmts ?? [];
  return { node: stmts[0]?.stmt ?? {}, count: stmts.length };
}

/** The one target of `SELECT <fragment>`, or why the fragment is more than one expression. */
function singleTarget(
  select: AstNode | undefined,
  fragment: string,
  noun: string,
): { target?: AstNode; error?: SqlSyntaxError } {
  const extra = Object.keys(select ?? {}).find((k) => !BARE_SELECT_KEYS.has(k));
  const targets = (select?.targetList as { ResTarget?: AstNode }[] | undefined) ?? [];
  if (!select || extra || select.op !== 'SETOP_NONE' || targets.length !== 1) {
    const what = extra ? `${CLAUSES[extra] ?? extra} after it` : `${targets.length} expressions separated by commas`;
    return {
      error: {
        message: `expected one SQL ${noun}, found ${what}; write a single ${noun} (a subquery goes in parentheses)`,
        offset: 0,
      },
    };
  }
  const target = targets[0]?.ResTarget ?? {};
  if (target.name !== undefined) {
    return {
      error: {
        message: `expected one SQL ${noun}, found an alias \`${astText(target.name)}\` after it; remove the alias`,
        offset: fragment.length,
      },
    };
  }
  return { target: (target.val ?? {}) as AstNode };
}

function expressionShapeProblem(fragment: string, kind: 'value' | 'condition' | 'type'): SqlSyntaxError | undefined {
  const prefix = PREFIX[kind];
  const { node, error, count } = firstStatement(prefix + fragment, prefix.length, fragment);
  if (error) return error;
  if (count !== 1) return { message: `expected one SQL ${NOUN[kind]}, found ${count} statements`, offset: 0 };
  const { target, error: shape } = singleTarget(node?.SelectStmt as AstNode | undefined, fragment, NOUN[kind]);
  if (shape) return shape;
  if (kind === 'type') {
    const cast = target?.TypeCast as AstNode | undefined;
    const arg = cast?.arg as { A_Const?: { isnull?: boolean } } | undefined;
    if (!cast || arg?.A_Const?.isnull !== true)
      return { message: `expected a SQL type such as bigint or varchar(255), found more than a type`, offset: 0 };
    return undefined;
  }
  const write = writeInQuery(prefix + fragment, target ?? {});
  if (write)
    return {
      message: write.message.replace('a query here only reads', `a SQL ${NOUN[kind]} only computes a value`),
      offset: clamp(write.offset - prefix.length, fragment),
    };
  const column = target?.ColumnRef as { fields?: { A_Star?: unknown }[] } | undefined;
  if (column?.fields?.some((f) => f.A_Star !== undefined))
    return { message: `\`*\` is not a SQL ${NOUN[kind]}; name the column`, offset: 0 };
  return undefined;
}

/** Statement types that write (also as writable CTEs), refused where only reading is expected. */
const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Why `query` is not a read-only query: a data-modifying CTE, SELECT INTO, FOR UPDATE/SHARE. */
export function writeInQuery(query: string, node: AstNode): SqlSyntaxError | undefined {
  let problem: SqlSyntaxError | undefined;
  const at = (value: AstNode) => charOffset(query, typeof value.location === 'number' ? value.location : 0);
  walk(node, (type, value) => {
    if (problem) return;
    if (type === 'CommonTableExpr' && Object.keys(value.ctequery ?? {}).some((k) => WRITES.has(k))) {
      problem = {
        message: `the query modifies data (WITH ${String(value.ctename)} AS (${Object.keys(value.ctequery as AstNode)[0]
          ?.replace('Stmt', '')
          .toUpperCase()} …)); a query here only reads`,
        offset: at(value),
      };
    } else if (WRITES.has(type)) {
      problem = {
        message: `the query modifies data (${type.replace('Stmt', '').toUpperCase()}); a query here only reads`,
        offset: 0,
      };
    } else if (type === 'SelectStmt' && value.intoClause) {
      problem = { message: 'SELECT … INTO creates a table; a query here only reads', offset: 0 };
    } else if (type === 'LockingClause') {
      problem = { message: 'FOR UPDATE/FOR SHARE locks rows; a query here only reads', offset: 0 };
    }
  });
  return problem;
}

function queryShapeProblem(query: string): (SqlSyntaxError & { hint?: string }) | undefined {
  const { node, error, count } = firstStatement(query, 0, query);
  if (error) return error;
  if (count !== 1) return { message: `expected one query, found ${count} statements`, offset: 0 };
  if (!node || !('SelectStmt' in node))
    return { message: `expected a SELECT query, found ${Object.keys(node ?? {})[0] ?? 'nothing'}`, offset: 0 };
  const write = writeInQuery(query, node);
  if (write)
    return {
      ...write,
      hint:
        'checks, guards, throttles and view queries only read (they run in a READ ONLY transaction): do the ' +
        'change in a `sql` step',
    };
  return undefined;
}

/**
 * Why `fragment` is not exactly one SQL `kind` on its own, with the offset in `fragment`; undefined
 * when it is. Needs ensureSqlParser() first.
 */
export function fragmentProblem(
  fragment: string,
  kind: FragmentKind,
): (SqlSyntaxError & { hint?: string }) | undefined {
  if (fragment.trim() === '') return { message: `the SQL ${NOUN[kind]} is empty`, offset: 0 };
  if (fragment.includes('\0'))
    return { message: `a NUL character in a SQL ${NOUN[kind]}`, offset: fragment.indexOf('\0') };
  const lexical = lexicalProblem(fragment, kind);
  if (lexical) return lexical;
  return kind === 'query' ? queryShapeProblem(fragment) : expressionShapeProblem(fragment, kind);
}

function clamp(offset: number, text: string): number {
  return Math.min(Math.max(0, offset), text.length);
}
