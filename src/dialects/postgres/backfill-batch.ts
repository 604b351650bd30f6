/**
 * The statements a backfill runs, for the key found at run time (the same builder renders what
 * `plan` shows, with the key as written or `<primary key>`). A batch is two statements: `bound`
 * walks the key's index to the key of the size-th next row to update, then `update` changes the rows
 * of that key range that match `where` (the runner writes the checkpoint in the same transaction).
 * Keys travel as text: `bound` returns the key as text, and the statements take it back as
 * parameters, whose types PostgreSQL infers from the comparison with the key columns.
 */
import { PRIMARY_KEY_PLACEHOLDER, type BatchInput, type BatchStatements, type WalkInput } from '../backfill.js';
import { quoteIdent, quoteQualified } from './names.js';

export function keyIdent(k: string): string {
  return k === PRIMARY_KEY_PLACEHOLDER ? k : quoteIdent(k);
}

/**
 * A `set` expression or `where` condition as written (the plan loader parsed it with the PostgreSQL
 * parser), parenthesised unless it is a bare name so that `1, other = 2` cannot add an assignment.
 * The newline ends a trailing `--` comment before the closing parenthesis.
 */
export function wrapSql(expression: string): string {
  if (/^([A-Za-z_][A-Za-z0-9_$]*|"[^"]+")$/.test(expression)) return expression;
  return `(${expression}${expression.includes('--') ? '\n' : ''})`;
}

function tuple(items: string[]): string {
  return `(${items.join(', ')})`;
}

function params(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `$${from + i}`);
}

/** `(k1, k2) > ($1, $2) AND (<where>)`, or only the filter, or `true`. */
function filter(step: Pick<WalkInput, 'where'>, key: string[], afterKey: boolean): string {
  const parts: string[] = [];
  if (afterKey) parts.push(`${tuple(key.map(keyIdent))} > ${tuple(params(1, key.length))}`);
  if (step.where !== undefined) parts.push(wrapSql(step.where));
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/**
 * The greatest key of the next `size` rows to update (those matching `where`), as text `k1…`: the
 * size-th one after the last key done (a walk of the key's index that skips, cheaper than sorting
 * the keys it passes), else the greatest when fewer are left; no row when none is, so the backfill
 * ends even while new rows (already right) keep coming. Columns are qualified with the table so that
 * ORDER BY can never mean an output column (a key named `k1`). `asText` false: the key's own types,
 * for a statement that uses the bound itself (a verify's chunk).
 */
export function boundSql(step: WalkInput, key: string[], afterKey: boolean, asText = true): string {
  const t = quoteQualified(step.table);
  const cols = key.map((k) => `${t}.${keyIdent(k)}`);
  const rows = filter(step, key, afterKey);
  const from = `FROM ${t}${rows === 'true' ? '' : ` WHERE ${rows}`}`;
  const out = cols.map((c, i) => `${c}${asText ? '::text' : ''} AS k${i + 1}`).join(', ');
  const nth = `SELECT ${out} ${from} ORDER BY ${cols.join(', ')} OFFSET $${afterKey ? key.length + 1 : 1} - 1 LIMIT 1`;
  const greatest = `SELECT ${out} ${from} ORDER BY ${cols.map((c) => `${c} DESC`).join(', ')} LIMIT 1`;
  return `(${nth}) UNION ALL (${greatest}) LIMIT 1`;
}

/** The size-th key to update after the last key done (or from the start), at most the cap: a piece of a hole. */
function boundWithinSql(step: WalkInput, key: string[], afterKey: boolean): string {
  const t = quoteQualified(step.table);
  const cols = key.map((k) => `${t}.${keyIdent(k)}`);
  const capFrom = afterKey ? key.length + 1 : 1;
  const cap = `${tuple(cols)} <= ${tuple(params(capFrom, key.length))}`;
  const rows = [filter(step, key, afterKey), cap].filter((c) => c !== 'true');
  const out = cols.map((c, i) => `${c}::text AS k${i + 1}`).join(', ');
  const order = `ORDER BY ${cols.join(', ')} OFFSET $${capFrom + key.length} - 1 LIMIT 1`;
  return `SELECT ${out} FROM ${t} WHERE ${rows.join(' AND ')} ${order}`;
}

/**
 * The conditions selecting the rows of the key range `(after, upTo]` that match `where`: `$1..$k`
 * the last key done (when `afterKey`), then `$k+1..$2k` (or `$1..$k`) the range's bound, unless
 * `upper` gives the bound's SQL (a verify's chunk reads it from its own bound). The range
 * is written on the key columns, so the planner sees a narrow range of the key's index (a row
 * comparison is estimated by its first column alone, as a one-sided inequality: bounds on that
 * column make the range visible). Shared by the backfill's UPDATE and the verify's comparison.
 */
export function keyRangeConditions(
  step: Pick<WalkInput, 'where'>,
  key: string[],
  afterKey: boolean,
  upper = params(afterKey ? key.length + 1 : 1, key.length),
): string[] {
  const cols = key.map(keyIdent);
  const after = afterKey ? [`${tuple(cols)} > ${tuple(params(1, key.length))}`] : [];
  const range = [...after, `${tuple(cols)} <= ${tuple(upper)}`];
  if (key.length > 1) range.push(...(afterKey ? [`${cols[0]} >= $1`] : []), `${cols[0]} <= ${upper[0]}`);
  if (step.where !== undefined) range.push(wrapSql(step.where));
  return range;
}

/**
 * The rows of the key range that match `where` (keyRangeConditions). A row another session holds is
 * waited for, never skipped, and `where` is checked again on its newest version.
 */
function updateSql(step: BatchInput, key: string[], afterKey: boolean): string {
  const range = keyRangeConditions(step, key, afterKey);
  const sets = Object.entries(step.set).map(([column, expression]) => `${quoteIdent(column)} = ${wrapSql(expression)}`);
  return `UPDATE ${quoteQualified(step.table)} SET ${sets.join(', ')} WHERE ${range.join(' AND ')}`;
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

/** What `plan` shows: a later batch's two statements, in the order they are sent. */
export function batchShape(statements: BatchStatements): string {
  return `${statements.nextBound};\n${statements.nextUpdate}`;
}

/** Rows still to do: those matching `where`, after the checkpoint when there is one (`$1..$k`). */
export function remainingCountSql(step: WalkInput, key: string[], afterKey: boolean): string {
  return `SELECT count(*) AS n FROM ${quoteQualified(step.table)} WHERE ${filter(step, key, afterKey)}`;
}
