/**
 * T-SQL value expressions in plan fragments: literals, column references, arithmetic, string `+`,
 * function calls, CAST/CONVERT, CASE, IIF, COLLATE, niladic functions, NEXT VALUE FOR. Precedence as
 * documented (operator-precedence-transact-sql): `~`; `* / %`; `+ - & ^ |`.
 */
import { COMPARISONS, type Node } from './tsql-ast.js';
import { parseCondition } from './tsql-condition.js';
import { Cursor, isReserved } from './tsql-cursor.js';
import { isSymbol, isWord, type Token } from './tsql-lexer.js';
import { parseType } from './tsql-types.js';
import { parseSubquery } from './tsql-subquery.js';

const NILADIC = new Set(['CURRENT_TIMESTAMP', 'CURRENT_USER', 'SESSION_USER', 'SYSTEM_USER', 'USER']);
/** Reserved words that are also function names. */
const FUNCTION_KEYWORDS = new Set(['COALESCE', 'NULLIF', 'LEFT', 'RIGHT', 'CONVERT']);
/** Functions whose first argument is a date part (`day`), not a column. */
const DATEPART_FUNCTIONS = new Set([
  'DATEADD',
  'DATEDIFF',
  'DATEDIFF_BIG',
  'DATEPART',
  'DATENAME',
  'DATETRUNC',
  'DATE_BUCKET',
]);
const AGGREGATES = new Set(['COUNT', 'COUNT_BIG', 'SUM', 'AVG', 'MIN', 'MAX', 'STDEV', 'STDEVP', 'VAR', 'VARP']);

/** PostgreSQL spellings people carry over, with the T-SQL for them. */
const FOREIGN_WORDS: Record<string, string> = {
  TRUE: 'T-SQL has no boolean values: write 1 (a bit)',
  FALSE: 'T-SQL has no boolean values: write 0 (a bit)',
  CURRENT_DATE: 'write CAST(GETDATE() AS date)',
  CURRENT_TIME: 'write CAST(SYSDATETIME() AS time)',
  LOCALTIMESTAMP: 'write SYSDATETIME()',
};
const FOREIGN_FUNCTIONS: Record<string, string> = {
  NOW: 'write SYSDATETIME() (datetime2) or GETDATE() (datetime)',
  GEN_RANDOM_UUID: 'write NEWID()',
  NEXTVAL: 'write NEXT VALUE FOR schema.sequence',
  RANDOM: 'write RAND() (one value per statement) or CRYPT_GEN_RANDOM(n)',
  LENGTH: 'write LEN(x) (trailing spaces ignored) or DATALENGTH(x)',
};

/** A value expression at the cursor. */
export function parseValue(c: Cursor): Node {
  let left = multiplicative(c);
  for (;;) {
    const op = c.peek();
    if (!isSymbol(op, '+', '-', '&', '^', '|')) return left;
    if (op?.value === '|' && isSymbol(c.peek(1), '|') && !c.peek(1)?.spaced)
      c.refuse('`||` is not a T-SQL operator', 'concatenate with `+` or CONCAT(a, b)');
    c.next();
    left = { t: 'binary', op: (op as Token).value, left, right: multiplicative(c) };
  }
}

function multiplicative(c: Cursor): Node {
  let left = unary(c);
  while (c.atSymbol('*', '/', '%')) {
    const op = c.next().value;
    left = { t: 'binary', op, left, right: unary(c) };
  }
  return left;
}

function unary(c: Cursor): Node {
  const op = c.acceptSymbol('-', '+', '~');
  if (op) return { t: 'unary', op: op.value, arg: unary(c) };
  let node = primary(c);
  for (;;) {
    if (c.acceptWord('COLLATE')) {
      const collation = c.peek();
      if (collation?.kind !== 'word' && collation?.kind !== 'quoted') c.fail('a collation name after COLLATE');
      node = { t: 'collate', arg: node, collation: c.next() };
    } else if (c.atSymbol('::')) {
      c.refuse('`::` is PostgreSQL cast syntax, not T-SQL', 'write CAST(x AS type)');
    } else return node;
  }
}

/** `name` or `schema.name`… as written, each part a word or a [bracketed]/"quoted" name. */
export function nameParts(c: Cursor, what: string): Token[] {
  const parts: Token[] = [];
  do {
    const token = c.peek();
    if ((token?.kind !== 'word' && token?.kind !== 'quoted') || isReserved(token)) c.fail(what);
    parts.push(c.next());
  } while (c.atSymbol('.') && c.peek(1)?.kind !== 'symbol' && c.next());
  return parts;
}

function primary(c: Cursor): Node {
  const token = c.peek();
  if (token === undefined) return c.fail('a value');
  if (token.kind === 'number' || token.kind === 'string') return { t: 'literal', token: c.next() };
  if (token.kind === 'variable')
    c.refuse(`\`${token.text}\`: a plan fragment has no variables`, 'write the value itself');
  if (isSymbol(token, '(')) return parenthesised(c);
  if (token.kind === 'word') {
    const keyword = keywordValue(c, token);
    if (keyword) return keyword;
  }
  if (token.kind === 'word' && isReserved(token) && !(FUNCTION_KEYWORDS.has(token.value) && isSymbol(c.peek(1), '(')))
    c.fail('a value');
  return nameOrCall(c, token);
}

function parenthesised(c: Cursor): Node {
  if (isWord(c.peek(1), 'SELECT', 'WITH')) return parseSubquery(c);
  const open = c.next();
  const inner = parseValue(c);
  if (c.atSymbol(','))
    c.refuse(
      'a row value `(a, b)`: T-SQL compares one value at a time',
      'write `a > 1 OR (a = 1 AND b > 2)`',
      open.offset,
    );
  if (c.atSymbol(...COMPARISONS) || c.atWord('IS', 'IN', 'BETWEEN', 'LIKE', 'NOT'))
    c.doubt(
      `a condition is not a value in T-SQL (found ${c.describeNext()})`,
      'write CASE WHEN condition THEN 1 ELSE 0 END, or IIF(condition, 1, 0)',
    );
  c.expectSymbol(')', 'to close the `(`');
  return inner;
}

function keywordValue(c: Cursor, token: Token): Node | undefined {
  const next = c.peek(1);
  const call = isSymbol(next, '(');
  if (token.value === 'NULL') {
    c.next();
    return { t: 'null' };
  }
  if (token.value === 'CASE') return parseCase(c);
  if (call && (token.value === 'CAST' || token.value === 'TRY_CAST')) return parseCast(c);
  if (call && (token.value === 'CONVERT' || token.value === 'TRY_CONVERT')) return parseConvert(c);
  if (call && token.value === 'IIF') return parseIif(c);
  if (token.value === 'NEXT' && isWord(next, 'VALUE')) {
    c.next();
    c.next();
    c.expectWord('FOR', 'after NEXT VALUE');
    return { t: 'nextvalue', parts: nameParts(c, 'a sequence name after NEXT VALUE FOR') };
  }
  if (NILADIC.has(token.value)) {
    if (call) c.refuse(`${token.value} is written without parentheses in T-SQL`, `write ${token.value}`, next?.offset);
    c.next();
    return { t: 'niladic', name: token.value };
  }
  const foreign = FOREIGN_WORDS[token.value];
  if (foreign !== undefined && !call) c.refuse(`\`${token.text}\` is not T-SQL`, foreign);
  const foreignCall = FOREIGN_FUNCTIONS[token.value];
  if (foreignCall !== undefined && call) c.refuse(`\`${token.text}()\` is not a SQL Server function`, foreignCall);
  if (token.value === 'OVER' || token.value === 'EXISTS') c.fail('a value');
  return undefined;
}

function nameOrCall(c: Cursor, first: Token): Node {
  const parts = isReserved(first) ? [c.next()] : nameParts(c, 'a value');
  if (!c.atSymbol('(')) {
    if (parts.length > 3)
      c.refuse('a column reference has at most three parts (schema.table.column)', undefined, first.offset);
    return { t: 'column', parts };
  }
  if (parts.length > 2) c.refuse('a function name has at most two parts (schema.function)', undefined, first.offset);
  c.next();
  const upper = parts.length === 1 ? first.value : '';
  const args: Node[] = [];
  let distinct = false;
  if (AGGREGATES.has(upper)) {
    distinct = c.acceptWord('DISTINCT') !== undefined;
    if (!distinct) c.acceptWord('ALL');
  }
  if ((upper === 'COUNT' || upper === 'COUNT_BIG') && c.atSymbol('*')) {
    c.next();
    args.push({ t: 'star', parts: [] });
  } else if (!c.atSymbol(')')) {
    do {
      const datepart = args.length === 0 && DATEPART_FUNCTIONS.has(upper) && c.peek()?.kind === 'word';
      args.push(datepart ? { t: 'datepart', token: c.next() } : parseValue(c));
    } while (c.acceptSymbol(','));
  }
  c.expectSymbol(')', 'to close the function call');
  if (c.atWord('OVER', 'WITHIN')) c.refuse(`${c.peek()?.value ?? ''} is not read in plan fragments`);
  return { t: 'call', parts, args, distinct };
}

function parseCase(c: Cursor): Node {
  c.next();
  const operand = c.atWord('WHEN') ? undefined : parseValue(c);
  const whens: { when: Node; then: Node }[] = [];
  while (c.acceptWord('WHEN')) {
    const when = operand ? parseValue(c) : parseCondition(c);
    c.expectWord('THEN', 'after the WHEN of a CASE');
    whens.push({ when, then: parseValue(c) });
  }
  if (whens.length === 0) c.fail('WHEN in a CASE');
  const otherwise = c.acceptWord('ELSE') ? parseValue(c) : undefined;
  c.expectWord('END', 'to close the CASE');
  return { t: 'case', ...(operand ? { operand } : {}), whens, ...(otherwise ? { otherwise } : {}) };
}

function parseCast(c: Cursor): Node {
  const fn = c.next().value;
  c.next();
  const arg = parseValue(c);
  c.expectWord('AS', `in ${fn}(value AS type)`);
  const type = parseType(c);
  c.expectSymbol(')', `to close ${fn}`);
  return { t: 'cast', fn, arg, type };
}

function parseConvert(c: Cursor): Node {
  const fn = c.next().value;
  c.next();
  const type = parseType(c);
  c.expectSymbol(',', `in ${fn}(type, value)`);
  const arg = parseValue(c);
  const style = c.acceptSymbol(',') ? parseValue(c) : undefined;
  c.expectSymbol(')', `to close ${fn}`);
  return { t: 'cast', fn, arg, type, ...(style ? { style } : {}) };
}

function parseIif(c: Cursor): Node {
  c.next();
  c.next();
  const condition = parseCondition(c);
  c.expectSymbol(',', 'after the condition of IIF');
  const then = parseValue(c);
  c.expectSymbol(',', 'in IIF(condition, then, else)');
  const otherwise = parseValue(c);
  c.expectSymbol(')', 'to close IIF');
  return { t: 'iif', condition, then, otherwise };
}
