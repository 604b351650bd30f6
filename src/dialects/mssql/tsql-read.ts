/**
 * A plan fragment read as exactly one T-SQL `kind`: first the tokens that could change the shape of
 * the statement it is spliced into (`;`, GO, variables, parentheses that do not balance), then the
 * grammar, then nothing may be left over.
 */
import type { FragmentKind } from '../parser.js';
import { COMPARISONS, type Node, type TypeNode } from './tsql-ast.js';
import { parseCondition } from './tsql-condition.js';
import { Cursor, FragmentError } from './tsql-cursor.js';
import { parseValue } from './tsql-expression.js';
import { isSymbol, isWord, tokenize, TsqlLexError, type Token } from './tsql-lexer.js';
import { parseSelect } from './tsql-query.js';
import { parseType } from './tsql-types.js';

export const NOUN: Record<FragmentKind, string> = {
  value: 'expression',
  condition: 'condition',
  type: 'type',
  query: 'query',
};

/** Deeper nesting is no plan's need, and the grammar reads it with recursion. */
const MAX_NESTING = 64;

function tokenProblem(token: Token, noun: string): FragmentError | undefined {
  const problem = (message: string, hint: string) => new FragmentError(message, token.offset, hint, false);
  if (isSymbol(token, ';'))
    return problem(
      `\`;\` in a SQL ${noun}: it would end the statement the ${noun} is spliced into`,
      `write one ${noun} without \`;\``,
    );
  if (isWord(token, 'GO'))
    return problem(`GO in a SQL ${noun}: SQL Server tools read it as the end of a batch`, 'write [GO] for a name GO');
  if (token.kind === 'variable')
    return problem(`\`${token.text}\` in a SQL ${noun}: a plan fragment has no variables`, 'write the value itself');
  // `$1` is a money constant to SQL Server, and a bound parameter to schemashift's driver (`$n` → `@pn`).
  if (token.kind === 'number' && token.text.startsWith('$'))
    return problem(
      `\`${token.text}\` in a SQL ${noun}: a money constant written with \`$\` would be read as a parameter`,
      `write CAST(${token.text.slice(1) || '0'} AS money)`,
    );
  return undefined;
}

/** A line that is only GO (with a count, `;` or a comment): sqlcmd, SSMS and the driver end a batch there, in a string too. */
const GO_LINE = /^[ \t]*GO(?:[ \t]+\d+)?[ \t]*;?[ \t]*(?:--.*)?$/im;

export function batchSeparatorLine(text: string): number | undefined {
  const line = GO_LINE.exec(text);
  return line ? line.index + (line[0].length - line[0].trimStart().length) : undefined;
}

/**
 * A `--` comment runs to the end of the line: spliced into a statement it would swallow what schemashift writes
 * after the fragment on that line (`WHERE (cond --) AND id <= @hi`). `/* … *\/` closes itself and may stay; a `--`
 * inside one is refused too, so that no reading of the comment can differ from the lexer's.
 */
function lineCommentProblem(text: string, tokens: Token[], noun: string): FragmentError | undefined {
  let from = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const token = tokens[i];
    const at = text.slice(from, token?.offset ?? text.length).indexOf('--');
    if (at >= 0)
      return new FragmentError(
        `a \`--\` comment in a SQL ${noun}: it would swallow the SQL written after the ${noun} on the same line`,
        from + at,
        'remove the comment, or write it as /* … */',
        false,
      );
    if (token) from = token.offset + token.text.length;
  }
  return undefined;
}

/** `;`, GO, variables, `1abc` and parentheses that do not balance, before any grammar. */
function lexicalProblem(tokens: Token[], noun: string): FragmentError | undefined {
  const open: Token[] = [];
  let previous: Token | undefined;
  for (const token of tokens) {
    const problem = tokenProblem(token, noun);
    if (problem) return problem;
    if (previous?.kind === 'number' && !token.spaced && token.kind !== 'symbol')
      return new FragmentError(
        `\`${previous.text}${token.text}\`: a number runs into the text after it`,
        token.offset,
        'write a space',
      );
    if (isSymbol(token, '(') && open.push(token) > MAX_NESTING)
      return new FragmentError(
        `more than ${MAX_NESTING} nested parentheses in a SQL ${noun}`,
        token.offset,
        'write it flatter',
      );
    if (isSymbol(token, ')') && open.pop() === undefined)
      return new FragmentError(
        `\`)\` closes a parenthesis the SQL ${noun} did not open`,
        token.offset,
        `balance the parentheses inside the ${noun}`,
        false,
      );
    previous = token;
  }
  const unclosed = open.pop();
  return unclosed
    ? new FragmentError(
        `\`(\` is never closed in the SQL ${noun}`,
        unclosed.offset,
        `close it inside the ${noun}`,
        false,
      )
    : undefined;
}

function rest(c: Cursor, kind: FragmentKind): never {
  if (kind === 'value' && (c.atSymbol(...COMPARISONS) || c.atWord('IS', 'IN', 'BETWEEN', 'LIKE', 'AND', 'OR', 'NOT')))
    c.refuse(
      `a condition is not a value in T-SQL (found ${c.describeNext()})`,
      'write CASE WHEN condition THEN 1 ELSE 0 END, or IIF(condition, 1, 0)',
    );
  if (kind === 'query' && c.atWord('INSERT', 'UPDATE', 'DELETE', 'MERGE', 'EXEC', 'EXECUTE'))
    c.refuse(`${c.describeNext()} after the query: a query here only reads`, 'do the change in a raw `sql` step');
  return c.fail(`the end of the ${NOUN[kind]}`);
}

/** The cursor over `text`, or why its tokens alone are refused. */
function cursorOver(text: string, kind: FragmentKind): Cursor {
  const noun = NOUN[kind];
  if (text.trim() === '') throw new FragmentError(`the SQL ${noun} is empty`, 0, `write one ${noun}`, false);
  if (text.includes('\0')) throw new FragmentError(`a NUL character in a SQL ${noun}`, text.indexOf('\0'));
  // SQL Server may not read other spacing characters (no-break space…) as the lexer does: refused, not guessed at.
  const spacing = /[^\S \t\r\n]/u.exec(text);
  if (spacing)
    throw new FragmentError(
      `an unusual space character (U+${(spacing[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}) in a SQL ${noun}`,
      spacing.index,
      'write plain spaces, tabs and line breaks',
      false,
    );
  const goLine = batchSeparatorLine(text);
  if (goLine !== undefined)
    throw new FragmentError(
      `a line holding only GO in a SQL ${noun}: SQL Server tools end the batch there, even inside a comment or a string`,
      goLine,
      'remove the line, or write GO with other text on its line',
      false,
    );
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (error instanceof TsqlLexError) throw new FragmentError(error.message, error.offset);
    throw error;
  }
  const problems = [lineCommentProblem(text, tokens, noun), lexicalProblem(tokens, noun)];
  const first = problems.filter((p) => p !== undefined).sort((a, b) => a.offset - b.offset)[0];
  if (first) throw first;
  return new Cursor(text, tokens, noun, kind === 'query');
}

export type Read = { kind: 'type'; type: TypeNode } | { kind: Exclude<FragmentKind, 'type'>; node: Node };

/** `text` read as exactly one `kind`; throws FragmentError. */
export function readFragment(text: string, kind: FragmentKind): Read {
  const c = cursorOver(text, kind);
  try {
    return readAll(c, kind);
  } catch (error) {
    // A chain of thousands of unary operators still recurses: refused rather than crashing validate.
    if (error instanceof RangeError) throw new FragmentError(`the SQL ${NOUN[kind]} is nested too deeply`, 0);
    throw error;
  }
}

function readAll(c: Cursor, kind: FragmentKind): Read {
  const read: Read =
    kind === 'type'
      ? { kind, type: parseType(c) }
      : { kind, node: kind === 'value' ? parseValue(c) : kind === 'condition' ? parseCondition(c) : parseSelect(c) };
  if (c.peek() !== undefined) rest(c, kind);
  return read;
}

/** The tree of a value expression or, failing that, of a condition (a CHECK); undefined when neither reads. */
export function readExpression(text: string): Node | undefined {
  for (const kind of ['value', 'condition'] as const) {
    try {
      const read = readFragment(text, kind);
      if (read.kind !== 'type') return read.node;
    } catch (error) {
      if (!(error instanceof FragmentError)) throw error;
    }
  }
  return undefined;
}
