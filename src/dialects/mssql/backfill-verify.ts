/**
 * A verify's statements in T-SQL: one chunk compared in one statement, what its row found, and the
 * fix shown for a range of differing rows.
 */
import type { ChunkFindings, CompareInput, MismatchRange, VerifyStatements } from '../backfill.js';
import { boundSql, keyCompare, keyIdent, keyRangeConditions, wrapSql } from './backfill-batch.js';
import { ident, literal, qualified } from './sql-names.js';

/**
 * True when `a` and `b` are equal, a NULL equal to a NULL: `IS NOT DISTINCT FROM` exists only from SQL
 * Server 2022, the INTERSECT form (which compares NULLs as equal) on 2019 too.
 */
export const notDistinctSql = (a: string, b: string): string => `EXISTS (SELECT ${a} INTERSECT SELECT ${b})`;

/** True for a row whose column differs from the expression, NULLs counting as equal. */
export function differs(compare: Record<string, string>): string {
  const each = Object.entries(compare).map(([c, e]) => `NOT ${notDistinctSql(ident(c), wrapSql(e))}`);
  return each.length === 1 ? (each[0] as string) : `(${each.join(' OR ')})`;
}

const asText = (expression: string, alias: string) => `CONVERT(nvarchar(4000), ${expression}, 126) AS ${alias}`;

/**
 * The differing keys of the chunk's range, first `top` in key order (or in reverse), as JSON text
 * `[{"k1":"…","k2":"…"},…]`. The inner select returns the bare key columns, so its ORDER BY always
 * means a column (in T-SQL an ORDER BY name means an output alias first); the outer one orders the
 * array. FOR JSON in a subquery returns one nvarchar(max) value, NULL for no row.
 * https://learn.microsoft.com/sql/relational-databases/json/format-query-results-as-json-with-for-json-sql-server
 */
function differingKeys(table: string, cols: string[], rows: string, bad: string, top: number, desc: boolean) {
  const order = (prefix: string) => cols.map((c) => `${prefix}${c}${desc ? ' DESC' : ''}`).join(', ');
  const inner = `SELECT TOP (${top}) ${cols.join(', ')} FROM ${table} WHERE ${rows} AND ${bad} ORDER BY ${order('')}`;
  const out = cols.map((c, i) => asText(`s.${c}`, `k${i + 1}`)).join(', ');
  return `(SELECT ${out} FROM (${inner}) AS s ORDER BY ${order('s.')} FOR JSON PATH)`;
}

/**
 * One chunk in one statement. `b` is the chunk's bound (the backfill's walk of the key's index, in
 * the key's own types, its columns renamed k1…); CROSS APPLY counts the rows of that key range and
 * those that differ. The difference is a column of a derived table because T-SQL refuses a subquery
 * (the INTERSECT form) inside an aggregate (error 130). The sample and the last differing key are
 * read only when some differ (a CASE branch's subquery runs behind a pass-through predicate). T-SQL
 * has no row values, so the range is spelled out per key column (keyRangeConditions).
 */
function chunkSql(step: CompareInput, key: string[], afterKey: boolean, sampleSize: number): string {
  const table = qualified(step.table);
  const cols = key.map(keyIdent);
  const names = key.map((_, i) => `k${i + 1}`);
  const upper = names.map((n) => `b.${n}`);
  const bad = differs(step.compare);
  const rows = keyRangeConditions(step, key, afterKey, upper).join(' AND ');
  const top = Math.max(1, Math.trunc(sampleSize));
  const flagged = `SELECT CASE WHEN ${bad} THEN 1 ELSE 0 END AS differs FROM ${table} WHERE ${rows}`;
  return [
    `SELECT ${upper.map((u, i) => asText(u, names[i] as string)).join(', ')}, c.[rows], c.mismatches,`,
    `CASE WHEN c.mismatches > 0 THEN ${differingKeys(table, cols, rows, bad, top, false)} END AS sample,`,
    `CASE WHEN c.mismatches > 0 THEN ${differingKeys(table, cols, rows, bad, 1, true)} END AS last_mismatch`,
    `FROM (${boundSql(step, key, afterKey, false)}) AS b (${names.join(', ')})`,
    `CROSS APPLY (SELECT COUNT_BIG(*) AS [rows], ISNULL(SUM(r.differs), 0) AS mismatches FROM (${flagged}) AS r) AS c`,
  ].join('\n');
}

export function verifyStatements(step: CompareInput, key: string[], sampleSize: number): VerifyStatements {
  return { first: chunkSql(step, key, false, sampleSize), next: chunkSql(step, key, true, sampleSize) };
}

export function chunkShape(statements: VerifyStatements): string {
  return statements.next;
}

/** FOR JSON text of key objects → keys as text in key order (k1, k2, … as the chunk names them). */
function keysFromJson(json: unknown): string[][] {
  if (typeof json !== 'string' || json === '') return [];
  const objects = JSON.parse(json) as Record<string, unknown>[];
  return objects.map((o) => {
    const key: string[] = [];
    for (let i = 1; `k${i}` in o; i++) key.push(String(o[`k${i}`]));
    return key;
  });
}

/**
 * A chunk's row as the mssql driver returns it: COUNT_BIG as text, the keys as FOR JSON text. Under
 * READ COMMITTED with locks (not RCSI) the count and the sample read the range one after the other,
 * so rows counted as differing may have been brought in step before the sample looked: with no
 * differing key left to name, the chunk reports none (a range needs its first key).
 */
export function chunkFindings(row: Record<string, unknown>): ChunkFindings {
  const sample = keysFromJson(row['sample']);
  return {
    rows: Number(row['rows']),
    mismatches: sample.length === 0 ? 0 : Number(row['mismatches']),
    sample,
    lastMismatch: keysFromJson(row['last_mismatch'])[0] ?? null,
  };
}

export function fixSql(step: CompareInput, key: string[], r: Pick<MismatchRange, 'first' | 'last'>): string {
  const cols = key.map(keyIdent);
  const sets = Object.entries(step.compare).map(([c, e]) => `${ident(c)} = ${wrapSql(e)}`);
  const where = [
    keyCompare(cols, r.first.map(literal), '>='),
    keyCompare(cols, r.last.map(literal), '<='),
    differs(step.compare),
    ...(step.where !== undefined ? [wrapSql(step.where)] : []),
  ];
  return `UPDATE ${qualified(step.table)} SET ${sets.join(', ')} WHERE ${where.join(' AND ')};`;
}
