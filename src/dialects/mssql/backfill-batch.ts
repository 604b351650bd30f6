/**
 * A SQL Server backfill's statements, for the key found at run time (the same builder renders what
 * `plan` shows). As in PostgreSQL's, a batch is a bound (the key of the size-th next row) and an
 * UPDATE of the key range `(last, bound]`. T-SQL has no row-value comparison, so a composite key's
 * order is spelled out: `(k1 > @a) OR (k1 = @a AND k2 > @b) …`, with `k1 >= @a` beside it so the
 * optimizer seeks on the key's first column. Keys travel as text (CONVERT style 126: ISO 8601 for
 * date and time types, round-tripping them); a text parameter compared with a key column converts to
 * the column's type, which has the higher precedence.
 */
import { PRIMARY_KEY_PLACEHOLDER, type BatchInput, type BatchStatements, type WalkInput } from '../backfill.js';
import { ident, qualified } from './sql-names.js';

export function keyIdent(k: string): string {
  return k === PRIMARY_KEY_PLACEHOLDER ? k : ident(k);
}

/** An expression or condition as written, parenthesised unless a bare or bracketed name; a newline ends a `--`. */
export function wrapSql(expression: string): string {
  if (/^([A-Za-z_][A-Za-z0-9_$]*|\[(?:[^\]]|\]\])+\])$/.test(expression)) return expression;
  return `(${expression}${expression.includes('--') ? '\n' : ''})`;
}

export function params(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `$${from + i}`);
}

/** Key order spelled out: `cols op vals` in the lexicographic sense. */
export function keyCompare(cols: string[], vals: string[], op: '>' | '>=' | '<='): string {
  const strict = op.startsWith('>') ? '>' : '<';
  const terms = cols.map((col, i) => {
    const equal = cols.slice(0, i).map((c, j) => `${c} = ${vals[j]}`);
    const last = i === cols.length - 1 ? op : strict;
    return [...equal, `${col} ${last} ${vals[i]}`].join(' AND ');
  });
  if (terms.length === 1) return terms[0] as string;
  return `${cols[0]} ${strict}= ${vals[0]} AND (${terms.map((t) => `(${t})`).join(' OR ')})`;
}

function filter(step: Pick<WalkInput, 'where'>, key: string[], afterKey: boolean): string[] {
  const cols = key.map(keyIdent);
  return [
    ...(afterKey ? [keyCompare(cols, params(1, key.length), '>')] : []),
    ...(step.where !== undefined ? [wrapSql(step.where)] : []),
  ];
}

const whereOf = (conditions: string[]) => (conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`);

/** The key columns of `from` (an alias) as text `k1…`. */
function asText(key: string[], from: string): string {
  return key.map((k, i) => `CONVERT(nvarchar(4000), ${from}.${keyIdent(k)}, 126) AS k${i + 1}`).join(', ');
}

/**
 * The size-th key after the last one done (`OFFSET size - 1 ROWS FETCH NEXT 1 ROWS ONLY` on the key's
 * index), else the greatest when fewer are left; no row when none is. The inner selects return the
 * bare key columns, so ORDER BY always means a column, never an output alias. `text` false: the
 * key's own types (a statement that uses the bound itself).
 */
export function boundSql(step: WalkInput, key: string[], afterKey: boolean, text = true): string {
  const t = qualified(step.table);
  const cols = key.map(keyIdent);
  const from = `FROM ${t}${whereOf(filter(step, key, afterKey))}`;
  const size = `$${afterKey ? key.length + 1 : 1}`;
  const nth = `SELECT ${cols.join(', ')} ${from} ORDER BY ${cols.join(', ')} OFFSET (${size} - 1) ROWS FETCH NEXT 1 ROWS ONLY`;
  const last = `SELECT TOP (1) ${cols.join(', ')} ${from} ORDER BY ${cols.map((c) => `${c} DESC`).join(', ')}`;
  const pick = (alias: string) => cols.map((c) => `${alias}.${c}`).join(', ');
  const out = text ? asText(key, 'b') : pick('b');
  return (
    `SELECT TOP (1) ${out} FROM (SELECT 1 AS schemashift_rank, n.* FROM (${nth}) AS n ` +
    `UNION ALL SELECT 2, g.* FROM (${last}) AS g) AS b ORDER BY b.schemashift_rank`
  );
}

/** The size-th key after the last one done (or from the start), at most the cap: a piece of a hole. */
function boundWithinSql(step: WalkInput, key: string[], afterKey: boolean): string {
  const cols = key.map(keyIdent);
  const capFrom = afterKey ? key.length + 1 : 1;
  const rows = [...filter(step, key, afterKey), keyCompare(cols, params(capFrom, key.length), '<=')];
  const order = `ORDER BY ${cols.join(', ')} OFFSET ($${capFrom + key.length} - 1) ROWS FETCH NEXT 1 ROWS ONLY`;
  const nth = `SELECT ${cols.join(', ')} FROM ${qualified(step.table)}${whereOf(rows)} ${order}`;
  return `SELECT ${asText(key, 'n')} FROM (${nth}) AS n`;
}

/** The rows of the key range `(after, upper]` that match `where`; `upper` defaults to the parameters after `after`. */
export function keyRangeConditions(
  step: Pick<WalkInput, 'where'>,
  key: string[],
  afterKey: boolean,
  upper = params(afterKey ? key.length + 1 : 1, key.length),
): string[] {
  const cols = key.map(keyIdent);
  return [
    ...(afterKey ? [keyCompare(cols, params(1, key.length), '>')] : []),
    keyCompare(cols, upper, '<='),
    ...(step.where !== undefined ? [wrapSql(step.where)] : []),
  ];
}

/**
 * No `TOP (n)`: the bound already limits the range to `size` rows, and a TOP without an order would
 * leave rows of the range undone while the checkpoint moves past them.
 */
function updateSql(step: BatchInput, key: string[], afterKey: boolean): string {
  const sets = Object.entries(step.set).map(([column, expression]) => `${ident(column)} = ${wrapSql(expression)}`);
  const range = keyRangeConditions(step, key, afterKey);
  return `UPDATE ${qualified(step.table)} SET ${sets.join(', ')} WHERE ${range.join(' AND ')}`;
}

export function batchStatements(step: BatchInput, key: string[]): BatchStatements {
  return {
    firstBound: boundSql(step, key, false),
    nextBound: boundSql(step, key, true),
    firstUpdate: updateSql(step, key, false),
    nextUpdate: updateSql(step, key, true),
    firstBoundWithin: boundWithinSql(step, key, false),
    nextBoundWithin: boundWithinSql(step, key, true),
  };
}

export function batchShape(statements: BatchStatements): string {
  return `${statements.nextBound};\n${statements.nextUpdate}`;
}

export function remainingCountSql(step: WalkInput, key: string[], afterKey: boolean): string {
  return `SELECT COUNT_BIG(*) AS n FROM ${qualified(step.table)}${whereOf(filter(step, key, afterKey))}`;
}
