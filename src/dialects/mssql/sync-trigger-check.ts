/**
 * What a SQL Server sync trigger cannot do, found from the plan alone (plan validation asks with
 * `install-sync-function` `checkOnly`). The dialect's fragment checker judges the expressions'
 * grammar; this only refuses what would change the trigger's shape or cannot work in an AFTER
 * trigger, reading the text with the T-SQL lexer.
 */
import { ColumnSyncProblem, type SyncSpec } from '../actions-shadow.js';
import { isSymbol, isWord, nameOf, tokenize, TsqlLexError, type Token } from './tsql-lexer.js';

type Field = ColumnSyncProblem['field'];

/**
 * Functions that give another value in the trigger than they gave the INSERT's DEFAULT: SQL Server
 * evaluates them once per statement, and the trigger's UPDATE is another statement.
 */
const PER_STATEMENT = new Set([
  'GETDATE',
  'GETUTCDATE',
  'SYSDATETIME',
  'SYSUTCDATETIME',
  'SYSDATETIMEOFFSET',
  'CURRENT_TIMESTAMP',
  'NEWID',
  'NEWSEQUENTIALID',
  'RAND',
  'CRYPT_GEN_RANDOM',
]);

const problem = (field: Field, message: string, offset = 0) => new ColumnSyncProblem(field, { message, offset });

function tokensOf(field: Field, text: string): Token[] | ColumnSyncProblem {
  try {
    return tokenize(text);
  } catch (e) {
    if (e instanceof TsqlLexError) return problem(field, e.message, e.offset);
    throw e;
  }
}

/** One value from the row: balanced parentheses, no `;`, no subquery, no variable. */
function shapeProblem(field: Field, text: string, tokens: Token[]): ColumnSyncProblem | undefined {
  // sqlcmd, SSMS and the driver split a script at a line holding only GO, even inside a string.
  const go = /^[ \t]*GO[ \t]*;?[ \t]*$/im.exec(text);
  if (go) return problem(field, 'a line holding only GO would split the script into batches', go.index);
  let depth = 0;
  for (const t of tokens) {
    if (isSymbol(t, '(')) depth += 1;
    if (isSymbol(t, ')')) depth -= 1;
    if (depth < 0) return problem(field, 'a `)` closes nothing', t.offset);
    if (isSymbol(t, ';')) return problem(field, 'an expression cannot end a statement (`;`)', t.offset);
    if (isWord(t, 'SELECT')) return problem(field, 'a subquery cannot be used: read the columns of the row', t.offset);
    // Inside the trigger a variable would read the trigger's own (@to_named…), never a value of the row.
    if (t.kind === 'variable') return problem(field, `${t.text} is a variable: read the columns of the row`, t.offset);
  }
  if (depth !== 0) return problem(field, 'an opened `(` is not closed', tokens[tokens.length - 1]?.offset ?? 0);
  if (tokens.length === 0) return problem(field, 'the expression is empty');
  return undefined;
}

/** `NEXT VALUE FOR seq`: each evaluation draws the next number of the sequence. */
const sequenceDraw = (tokens: Token[]): Token | undefined =>
  tokens.find((t, i) => isWord(t, 'NEXT') && isWord(tokens[i + 1], 'VALUE') && isWord(tokens[i + 2], 'FOR'));

function defaultProblem(field: Field, tokens: Token[]): ColumnSyncProblem | undefined {
  const draw = sequenceDraw(tokens);
  if (draw !== undefined) {
    return problem(
      field,
      'NEXT VALUE FOR draws a new number each time it runs: the trigger, a statement after the INSERT, cannot ' +
        'tell whether the row was left at this default (every row would look written, and the other column ' +
        'would be overwritten)',
      draw.offset,
    );
  }
  const call = tokens.find((t) => t.kind === 'word' && PER_STATEMENT.has(t.value));
  if (call === undefined) return undefined;
  return problem(
    field,
    `${call.text} gives each statement its own value: the trigger, a statement after the INSERT, cannot tell ` +
      'whether the row was left at this default',
    call.offset,
  );
}

/** Does `forward` read `column` (a name not called, not after a dot)? Unreadable text: assume it does. */
export function readsColumn(expression: string, column: string): boolean {
  let tokens: Token[];
  try {
    tokens = tokenize(expression);
  } catch {
    return true;
  }
  return tokens.some(
    (t, i) =>
      (t.kind === 'word' || t.kind === 'quoted') &&
      nameOf(t).toLowerCase() === column.toLowerCase() &&
      !isSymbol(tokens[i + 1], '(') &&
      !isSymbol(tokens[i - 1], '.'),
  );
}

/** Why this sync cannot be installed as a SQL Server trigger (undefined when it can). */
export function mssqlSyncProblem(spec: SyncSpec): ColumnSyncProblem | undefined {
  const fields = (['forward', 'reverse', 'toDefault', 'fromDefault'] as const).filter((f) => spec[f] !== undefined);
  for (const field of fields) {
    const tokens = tokensOf(field, spec[field] as string);
    if (tokens instanceof ColumnSyncProblem) return tokens;
    const found =
      shapeProblem(field, spec[field] as string, tokens) ??
      (field.endsWith('Default') ? defaultProblem(field, tokens) : undefined);
    if (found) return found;
  }
  if (spec.from === undefined && (spec.reverse !== undefined || spec.forward === undefined)) {
    return problem(
      spec.reverse === undefined ? 'forward' : 'reverse',
      'a sync without an old column needs `up` and no `down`',
    );
  }
  if (spec.fromNotNull === true) {
    return problem(
      'reverse',
      `SQL Server checks NOT NULL before an AFTER trigger runs (it has no BEFORE trigger): an INSERT that leaves ` +
        `${spec.from ?? 'the old column'} NULL fails before the trigger could fill it`,
    );
  }
  return undefined;
}
