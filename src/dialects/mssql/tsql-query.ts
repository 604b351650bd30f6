/**
 * Read-only T-SQL queries in plan fragments (checks, gates, verify queries):
 * SELECT [ALL|DISTINCT] [TOP (n)] items [FROM tables and joins] [WHERE] [GROUP BY] [HAVING] [ORDER BY].
 * Anything that writes or that schemashift does not read (INTO, UNION, WITH, FOR, OPTION…) is refused.
 */
import type { Node } from './tsql-ast.js';
import { parseCondition } from './tsql-condition.js';
import { Cursor, isReserved } from './tsql-cursor.js';
import { parseValue, nameParts } from './tsql-expression.js';
import { isSymbol, isWord } from './tsql-lexer.js';
import { parseSubquery } from './tsql-subquery.js';

const READ_ONLY_HINT = 'checks, guards and verify queries only read: do the change in a raw `sql` step';
/** Table hints that only change how rows are read. */
const READ_HINTS = new Set(['NOLOCK', 'READUNCOMMITTED', 'READCOMMITTED', 'READPAST', 'NOWAIT']);
/** Words that are not reserved in T-SQL but never an alias in a plan query (PostgreSQL clauses, APPLY). */
const NOT_ALIAS = new Set(['LIMIT', 'OFFSET', 'APPLY', 'WINDOW', 'RETURNING', 'ILIKE']);
const JOIN_START = ['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS'];

/** A SELECT at the cursor (also inside a subquery); its expressions are the node's children. */
export function parseSelect(c: Cursor): Node {
  const start = c.offset;
  if (c.atWord('WITH'))
    c.refuse('a common table expression (WITH …) is not read in plan fragments', 'write a subquery in FROM');
  c.expectWord('SELECT', 'at the start of a query');
  const children: Node[] = [];
  if (!c.acceptWord('DISTINCT')) c.acceptWord('ALL');
  if (c.acceptWord('TOP')) children.push(top(c));
  do children.push(selectItem(c));
  while (c.acceptSymbol(','));
  if (c.atWord('INTO')) c.refuse('SELECT … INTO creates a table; a query here only reads', READ_ONLY_HINT);
  if (c.acceptWord('FROM')) {
    do children.push(...tableSource(c));
    while (c.acceptSymbol(','));
  }
  if (c.acceptWord('WHERE')) children.push(parseCondition(c));
  if (c.acceptWord('GROUP')) {
    c.expectWord('BY', 'after GROUP');
    do children.push(parseValue(c));
    while (c.acceptSymbol(','));
  }
  if (c.acceptWord('HAVING')) children.push(parseCondition(c));
  if (c.acceptWord('ORDER')) {
    c.expectWord('BY', 'after ORDER');
    do {
      children.push(parseValue(c));
      c.acceptWord('ASC', 'DESC');
    } while (c.acceptSymbol(','));
  }
  if (c.atWord('UNION', 'EXCEPT', 'INTERSECT', 'FOR', 'OPTION', 'OFFSET', 'LIMIT'))
    c.refuse(
      `${c.peek()?.value ?? ''} is not read in plan queries`,
      c.atWord('LIMIT') ? 'write SELECT TOP (n) …' : undefined,
    );
  return { t: 'query', children, text: c.textFrom(start) };
}

function top(c: Cursor): Node {
  if (!c.acceptSymbol('(')) {
    if (c.peek()?.kind !== 'number') c.fail('(n) after TOP');
    return { t: 'literal', token: c.next() };
  }
  const count = parseValue(c);
  c.expectSymbol(')', 'after TOP (n');
  c.acceptWord('PERCENT');
  if (c.atWord('WITH')) c.refuse('TOP … WITH TIES is not read in plan queries');
  return count;
}

function selectItem(c: Cursor): Node {
  if (c.acceptSymbol('*')) return { t: 'star', parts: [] };
  const qualifier = starQualifier(c);
  if (qualifier) return qualifier;
  if ((c.peek()?.kind === 'word' || c.peek()?.kind === 'quoted') && isSymbol(c.peek(1), '='))
    c.refuse('`alias = value` in a select list is not read in plan queries', 'write `value AS alias`');
  const value = parseValue(c);
  alias(c);
  return value;
}

/** `t.*` or `s.t.*`, else undefined with the cursor unmoved. */
function starQualifier(c: Cursor): Node | undefined {
  let ahead = 0;
  while ((c.peek(ahead)?.kind === 'word' || c.peek(ahead)?.kind === 'quoted') && isSymbol(c.peek(ahead + 1), '.'))
    ahead += 2;
  if (ahead === 0 || !isSymbol(c.peek(ahead), '*')) return undefined;
  const parts = nameParts(c, 'a table name before .*');
  c.expectSymbol('.', 'before *');
  c.expectSymbol('*', 'after .');
  return { t: 'star', parts };
}

/** `[AS] alias`: a name that is not a keyword. */
function alias(c: Cursor): void {
  const explicit = c.acceptWord('AS');
  const token = c.peek();
  if ((token?.kind === 'word' && !isReserved(token) && !NOT_ALIAS.has(token.value)) || token?.kind === 'quoted')
    c.next();
  else if (explicit) c.fail('an alias after AS');
}

function tableSource(c: Cursor): Node[] {
  const nodes = tableReference(c);
  for (;;) {
    if (!c.atWord(...JOIN_START)) return nodes;
    if (c.acceptWord('CROSS')) {
      if (c.atWord('APPLY')) c.refuse('CROSS APPLY is not read in plan queries');
      c.expectWord('JOIN', 'after CROSS');
      nodes.push(...tableReference(c));
      continue;
    }
    if (c.acceptWord('LEFT', 'RIGHT', 'FULL')) c.acceptWord('OUTER');
    else c.acceptWord('INNER');
    if (c.atWord('LOOP', 'HASH', 'MERGE', 'REMOTE')) c.refuse('join hints are not read in plan queries');
    c.expectWord('JOIN', 'in a join');
    nodes.push(...tableReference(c));
    c.expectWord('ON', 'after the joined table');
    nodes.push(parseCondition(c));
  }
}

function tableReference(c: Cursor): Node[] {
  if (c.atSymbol('(')) {
    const query = parseSubquery(c);
    alias(c);
    return [query];
  }
  const parts = nameParts(c, 'a table name');
  if (parts.length > 3)
    c.refuse('a table name has at most three parts (database.schema.table)', undefined, parts[0]?.offset);
  if (c.atSymbol('(')) c.refuse('a table-valued function is not read in plan queries', 'read a table or a view');
  alias(c);
  if (c.atWord('WITH') && isSymbol(c.peek(1), '(')) tableHints(c);
  return [];
}

function tableHints(c: Cursor): void {
  c.next();
  c.next();
  do {
    const hint = c.peek();
    if (!isWord(hint, ...READ_HINTS)) c.fail(`a read hint (${[...READ_HINTS].join(', ')})`);
    c.next();
  } while (c.acceptSymbol(','));
  c.expectSymbol(')', 'to close the table hints');
}
