/**
 * T-SQL search conditions in plan fragments: comparisons, AND/OR/NOT, IS [NOT] NULL, [NOT] IN,
 * [NOT] BETWEEN, [NOT] LIKE [ESCAPE], EXISTS (in queries). T-SQL has no boolean values, so a value
 * alone (`active`, `a + 1`) is not a condition.
 */
import { COMPARISONS, type Node } from './tsql-ast.js';
import { Cursor, FragmentError } from './tsql-cursor.js';
import { isSymbol, isWord, type Token } from './tsql-lexer.js';
import { parseValue } from './tsql-expression.js';
import { parseSubquery } from './tsql-subquery.js';

const DISTINCT_HINT =
  'IS [NOT] DISTINCT FROM needs SQL Server 2022; write NOT EXISTS (SELECT a INTERSECT SELECT b) in a query, or ' +
  '(a <> b OR (a IS NULL AND b IS NOT NULL) OR (a IS NOT NULL AND b IS NULL))';

/** A search condition at the cursor. */
export function parseCondition(c: Cursor): Node {
  let left = conjunction(c);
  while (c.acceptWord('OR')) left = { t: 'binary', op: 'OR', left, right: conjunction(c) };
  return left;
}

function conjunction(c: Cursor): Node {
  let left = negation(c);
  while (c.acceptWord('AND')) left = { t: 'binary', op: 'AND', left, right: negation(c) };
  return left;
}

function negation(c: Cursor): Node {
  return c.acceptWord('NOT') ? { t: 'not', arg: negation(c) } : predicate(c);
}

/** What may follow a value inside a larger value or predicate: `(a) + 1`, `(a) = 1`. */
const continuesValue = (t: Token | undefined): boolean =>
  isSymbol(t, '+', '-', '*', '/', '%', '&', '^', '|', '::', ...COMPARISONS) ||
  isWord(t, 'IS', 'IN', 'BETWEEN', 'LIKE', 'ILIKE', 'COLLATE');

/** `( condition )`, or undefined (cursor unmoved) when the parenthesis opens a value instead. */
function parenthesisedCondition(c: Cursor): { node?: Node; error?: FragmentError } {
  const start = c.pos;
  if (c.notConditionAt.has(start)) return {};
  try {
    c.next();
    const node = parseCondition(c);
    c.expectSymbol(')', 'to close the `(`');
    if (!continuesValue(c.peek())) return { node };
    c.notConditionAt.add(start);
    c.pos = start;
    return {};
  } catch (error) {
    if (!(error instanceof FragmentError) || error.certain) throw error;
    c.notConditionAt.add(start);
    c.pos = start;
    return { error };
  }
}

function predicate(c: Cursor): Node {
  if (c.acceptWord('EXISTS')) return { t: 'exists', query: parseSubquery(c) };
  let conditionError: FragmentError | undefined;
  if (c.atSymbol('(') && !isWord(c.peek(1), 'SELECT', 'WITH')) {
    const { node, error } = parenthesisedCondition(c);
    if (node) return node;
    conditionError = error;
  }
  const start = c.offset;
  try {
    return predicateTail(c, parseValue(c), start);
  } catch (error) {
    // Of the two readings of `(`, the one that got further names the real problem.
    if (conditionError && error instanceof FragmentError && !error.certain && conditionError.offset > error.offset)
      throw conditionError;
    throw error;
  }
}

function predicateTail(c: Cursor, arg: Node, start: number): Node {
  if (c.acceptWord('IS')) {
    const not = c.acceptWord('NOT') !== undefined;
    if (c.atWord('DISTINCT')) c.refuse('IS [NOT] DISTINCT FROM is not read in plan fragments', DISTINCT_HINT);
    c.expectWord('NULL', `after IS${not ? ' NOT' : ''}`);
    return { t: 'isnull', not, arg };
  }
  const not = isWord(c.peek(), 'NOT') && isWord(c.peek(1), 'IN', 'BETWEEN', 'LIKE', 'ILIKE') && !!c.next();
  if (c.atWord('ILIKE')) c.refuse('ILIKE is PostgreSQL, not T-SQL', 'write LIKE: the column collation decides case');
  if (c.acceptWord('IN')) return { t: 'in', not, arg, list: inList(c) };
  if (c.acceptWord('BETWEEN')) {
    const low = parseValue(c);
    c.expectWord('AND', 'in BETWEEN low AND high');
    return { t: 'between', not, arg, low, high: parseValue(c) };
  }
  if (c.acceptWord('LIKE')) {
    const pattern = parseValue(c);
    const escape = c.acceptWord('ESCAPE') ? parseValue(c) : undefined;
    return { t: 'like', not, arg, pattern, ...(escape ? { escape } : {}) };
  }
  const op = c.acceptSymbol(...COMPARISONS);
  if (op) {
    if (c.atWord('ANY', 'SOME', 'ALL')) c.refuse(`${c.peek()?.value ?? ''} (subquery) is not read in plan fragments`);
    return { t: 'binary', op: op.value === '!=' ? '<>' : op.value, left: arg, right: parseValue(c) };
  }
  if (c.atSymbol('*=', '=*')) c.refuse('`*=` is the old outer join syntax', 'write a JOIN');
  const text = c.textFrom(start);
  return c.doubt(
    `\`${text}\` is a value, not a condition: T-SQL has no boolean values (found ${c.describeNext()} after it)`,
    `compare it: \`${text} = 1\`, \`${text} IS NOT NULL\``,
  );
}

function inList(c: Cursor): Node[] {
  if (isSymbol(c.peek(), '(') && isWord(c.peek(1), 'SELECT', 'WITH')) return [parseSubquery(c)];
  c.expectSymbol('(', 'after IN');
  const list: Node[] = [];
  do list.push(parseValue(c));
  while (c.acceptSymbol(','));
  c.expectSymbol(')', 'to close the IN list');
  return list;
}
