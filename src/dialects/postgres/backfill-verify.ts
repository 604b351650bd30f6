/** A verify's statements: one chunk compared in one read-only statement, and the fix shown for a range. */
import type { ChunkFindings, CompareInput, MismatchRange, VerifyStatements } from '../backfill.js';
import { boundSql, keyIdent, keyRangeConditions, wrapSql } from './backfill-batch.js';
import { quoteIdent, quoteLiteral, quoteQualified } from './names.js';

/** True for a row whose new columns differ from what the old ones give. */
const tuple = (items: string[]) => `(${items.join(', ')})`;

function differs(compare: Record<string, string>): string {
  const each = Object.entries(compare).map(([column, e]) => `${quoteIdent(column)} IS DISTINCT FROM ${wrapSql(e)}`);
  return each.length === 1 ? (each[0] as string) : `(${each.join(' OR ')})`;
}

/**
 * One chunk in one statement: `b` is the chunk's bound, the size-th key after the last one compared
 * (the backfill's walk of the key's index, in the key's own types); then the rows of that key range
 * (an index range scan) and how many differ; only when some do (the sub-selects run on first use,
 * so a clean chunk is one pass over its range), the first `sampleSize` of those and the last one,
 * keys as arrays of text in key order. It returns the bound as text `k1…`, or no row at the end.
 */
function chunkSql(args: CompareInput, key: string[], afterKey: boolean, sampleSize: number): string {
  const t = quoteQualified(args.table);
  const cols = key.map(keyIdent);
  const upper = key.map((_, i) => `b.k${i + 1}`);
  const bad = differs(args.compare);
  const rows = `FROM ${t} WHERE ${keyRangeConditions(args, key, afterKey, upper).join(' AND ')}`;
  const keysOf = (order: string, limit: number) => {
    const asText = cols.map((c) => `s.${c}::text`).join(', ');
    const sorted = cols.map((c) => `s.${c}${order}`).join(', ');
    const qualified = cols.map((c) => `${t}.${c}`);
    const orderBy = qualified.map((c) => `${c}${order}`).join(', ');
    const inner = `SELECT ${qualified.join(', ')} ${rows} AND ${bad} ORDER BY ${orderBy} LIMIT ${limit}`;
    return `(SELECT array_agg(ARRAY[${asText}] ORDER BY ${sorted}) FROM (${inner}) s)`;
  };
  return [
    `WITH b AS MATERIALIZED (${boundSql(args, key, afterKey, false)})`,
    `SELECT ${upper.map((u, i) => `${u}::text AS k${i + 1}`).join(', ')}, c.rows, c.mismatches,`,
    `CASE WHEN c.mismatches > 0 THEN ${keysOf('', sampleSize)} END AS sample,`,
    `CASE WHEN c.mismatches > 0 THEN ${keysOf(' DESC', 1)} END AS last_mismatch`,
    `FROM b CROSS JOIN LATERAL (SELECT count(*) AS rows, count(*) FILTER (WHERE ${bad}) AS mismatches ${rows}) c`,
  ].join('\n');
}

export function verifyStatements(args: CompareInput, key: string[], sampleSize: number): VerifyStatements {
  return { first: chunkSql(args, key, false, sampleSize), next: chunkSql(args, key, true, sampleSize) };
}

/** What `plan` shows and the runner announces: a later chunk's statement. */
export function chunkShape(statements: VerifyStatements): string {
  return statements.next;
}

/** A chunk's row: counts as bigint text or numbers, keys as arrays of text (the driver decodes text[][]). */
export function chunkFindings(row: Record<string, unknown>): ChunkFindings {
  const sample = row['sample'] as string[][] | null;
  const last = row['last_mismatch'] as string[][] | null;
  return {
    rows: Number(row['rows']),
    mismatches: Number(row['mismatches']),
    sample: sample ?? [],
    lastMismatch: last?.[0] ?? null,
  };
}

/** An UPDATE bringing one range's rows in step (shown, never run): the compared expressions, where rows differ. */
export function fixSql(step: CompareInput, columns: string[], r: Pick<MismatchRange, 'first' | 'last'>): string {
  const cols = columns.map(quoteIdent);
  const bound = (key: string[]) => (key.length === 1 ? quoteLiteral(key[0] as string) : tuple(key.map(quoteLiteral)));
  const keyExpr = cols.length === 1 ? (cols[0] as string) : `(${cols.join(', ')})`;
  const sets = Object.entries(step.compare).map(([c, e]) => `${quoteIdent(c)} = ${wrapSql(e)}`);
  const differ = Object.entries(step.compare).map(([c, e]) => `${quoteIdent(c)} IS DISTINCT FROM ${wrapSql(e)}`);
  const where = [
    `${keyExpr} BETWEEN ${bound(r.first)} AND ${bound(r.last)}`,
    differ.length === 1 ? differ[0] : `(${differ.join(' OR ')})`,
    ...(step.where ? [wrapSql(step.where)] : []),
  ];
  return `UPDATE ${quoteQualified(step.table)} SET ${sets.join(', ')} WHERE ${where.join(' AND ')};`;
}
