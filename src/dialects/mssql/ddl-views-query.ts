/**
 * What can be checked, from its tokens alone, of a query meant for an indexed view ("Create indexed
 * views", https://learn.microsoft.com/sql/relational-databases/views/create-indexed-views). Checked
 * here: one SELECT statement; tables named with two parts (schema.table); no `*` column list, no
 * outer join or APPLY, no subquery, derived table or CTE, no DISTINCT, TOP, ORDER BY, set operators,
 * OVER, PIVOT, TABLESAMPLE, variables or rowset functions; COUNT_BIG(*) (not COUNT) and no MIN, MAX,
 * AVG, STDEV, VAR; COUNT_BIG(*) present with GROUP BY; none of the well-known non-deterministic
 * functions. Left to the server at CREATE VIEW / CREATE INDEX time: deterministic and precise
 * expressions (float keys), SUM over nullable expressions, user functions (schema-bound,
 * deterministic), the referenced tables being in the same database and owned by the same owner, and
 * everything else of the rules.
 */
import type { Unsupported } from '../actions.js';
import { isSymbol, isWord, nameOf, tokenize, TsqlLexError, type Token } from './tsql-lexer.js';

export interface IndexedViewQuery {
  /** The query without its trailing `;`. */
  text: string;
  /** The tables it reads, `schema.table` as written. */
  tables: string[];
}

const REFUSED_WORDS: Record<string, string> = {
  DISTINCT: 'DISTINCT',
  TOP: 'TOP',
  ORDER: 'ORDER BY',
  UNION: 'UNION',
  EXCEPT: 'EXCEPT',
  INTERSECT: 'INTERSECT',
  OUTER: 'an outer join or OUTER APPLY',
  APPLY: 'APPLY',
  PIVOT: 'PIVOT',
  UNPIVOT: 'UNPIVOT',
  OVER: 'a window function (OVER)',
  TABLESAMPLE: 'TABLESAMPLE',
  OFFSET: 'OFFSET',
  WITH: 'a common table expression or a table hint',
  OPENROWSET: 'a rowset function',
  OPENQUERY: 'a rowset function',
  OPENDATASOURCE: 'a rowset function',
  OPENXML: 'a rowset function',
  CONTAINS: 'a full-text predicate',
  FREETEXT: 'a full-text predicate',
  COUNT: 'COUNT (write COUNT_BIG)',
  MIN: 'MIN',
  MAX: 'MAX',
  AVG: 'AVG',
  STDEV: 'STDEV',
  STDEVP: 'STDEVP',
  VAR: 'VAR',
  VARP: 'VARP',
  STRING_AGG: 'STRING_AGG',
  GETDATE: 'the non-deterministic GETDATE',
  GETUTCDATE: 'the non-deterministic GETUTCDATE',
  SYSDATETIME: 'the non-deterministic SYSDATETIME',
  SYSUTCDATETIME: 'the non-deterministic SYSUTCDATETIME',
  SYSDATETIMEOFFSET: 'the non-deterministic SYSDATETIMEOFFSET',
  CURRENT_TIMESTAMP: 'the non-deterministic CURRENT_TIMESTAMP',
  NEWID: 'the non-deterministic NEWID',
  NEWSEQUENTIALID: 'the non-deterministic NEWSEQUENTIALID',
  RAND: 'the non-deterministic RAND',
};

/** Words after which a FROM list's table reference has no alias. */
const CLAUSE_WORDS = new Set(['WHERE', 'GROUP', 'HAVING', 'INNER', 'JOIN', 'CROSS', 'ON', 'UNION', 'ORDER', 'OPTION']);

const refuse = (problem: string): Unsupported => ({
  unsupported:
    `an indexed view cannot hold this query: ${problem} (schemashift checks the rules the query's tokens show; ` +
    'SQL Server checks the rest when the view and its unique clustered index are created)',
  instead:
    'rewrite the query by the indexed view rules (two-part table names, inner joins, COUNT_BIG(*) with GROUP BY, ' +
    'SUM of non-nullable expressions, deterministic functions), or keep a summary table filled by the application',
});

const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');

/** The table reference at `i` (after FROM, JOIN or a FROM list's comma): its two-part name and where it ends. */
function tableAt(tokens: Token[], i: number): { name: string; end: number } | string {
  const [schema, dot, table, after] = [tokens[i], tokens[i + 1], tokens[i + 2], tokens[i + 3]];
  if (isSymbol(schema, '(')) return 'a derived table';
  if (!isName(schema) || !isSymbol(dot, '.') || !isName(table)) {
    return `${schema ? nameOf(schema) : 'the end'}: tables must be named schema.table (two parts)`;
  }
  if (isSymbol(after, '.', '('))
    return `${nameOf(schema)}.${nameOf(table)}…: tables must be named schema.table (two parts)`;
  return { name: `${nameOf(schema)}.${nameOf(table)}`, end: i + 3 };
}

/** Past an optional `[AS] alias`: where a `,` continues a FROM list. */
function skipAlias(tokens: Token[], i: number): number {
  let j = i;
  if (isWord(tokens[j], 'AS')) j += 1;
  const t = tokens[j];
  if (isName(t) && !(t.kind === 'word' && CLAUSE_WORDS.has(t.value))) j += 1;
  return j;
}

function readTables(tokens: Token[]): string[] | string {
  const tables: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    if (!isWord(tokens[i], 'FROM', 'JOIN')) continue;
    let at = i + 1;
    for (;;) {
      const ref = tableAt(tokens, at);
      if (typeof ref === 'string') return ref;
      tables.push(ref.name);
      at = skipAlias(tokens, ref.end);
      if (!isWord(tokens[i], 'FROM') || !isSymbol(tokens[at], ',')) break;
      at += 1;
    }
  }
  return tables;
}

function firstProblem(tokens: Token[]): string | undefined {
  if (!isWord(tokens[0], 'SELECT')) return 'it does not start with SELECT';
  for (const [i, t] of tokens.entries()) {
    if (t.kind === 'variable') return `a variable (${t.text})`;
    if (isSymbol(t, ';')) return 'more than one statement';
    if (i > 0 && isWord(t, 'SELECT')) return 'a subquery';
    if (t.kind === 'word' && Object.hasOwn(REFUSED_WORDS, t.value)) return REFUSED_WORDS[t.value];
    // LEFT and RIGHT are also string functions: only a join is refused.
    if (isWord(t, 'LEFT', 'RIGHT', 'FULL') && isWord(tokens[i + 1], 'JOIN', 'OUTER')) return 'an outer join';
    if (isSymbol(t, '*') && (isWord(tokens[i - 1], 'SELECT') || isSymbol(tokens[i - 1], ',', '.'))) {
      return 'a * column list (name every column)';
    }
  }
  const countBig = tokens.some(
    (t, i) => isWord(t, 'COUNT_BIG') && isSymbol(tokens[i + 1], '(') && isSymbol(tokens[i + 2], '*'),
  );
  if (tokens.some((t) => isWord(t, 'GROUP')) && !countBig) return 'GROUP BY without COUNT_BIG(*) in the column list';
  return undefined;
}

/** The query as an indexed view's body, or the rule it breaks that the tokens show. */
export function indexedViewQuery(query: string): IndexedViewQuery | Unsupported {
  let tokens: Token[];
  try {
    tokens = tokenize(query);
  } catch (e) {
    if (e instanceof TsqlLexError) return refuse(`${e.message} at offset ${e.offset}`);
    throw e;
  }
  let end = tokens.length;
  while (end > 0 && isSymbol(tokens[end - 1], ';')) end -= 1;
  const statement = tokens.slice(0, end);
  const problem = firstProblem(statement);
  if (problem !== undefined) return refuse(problem);
  const tables = readTables(statement);
  if (typeof tables === 'string') return refuse(tables);
  if (tables.length === 0) return refuse('it reads no table');
  const last = statement[statement.length - 1] as Token;
  return { text: query.slice(0, last.offset + last.text.length), tables: [...new Set(tables)] };
}
