/** The fix shown for a verify's range of differing rows (shown, never run). */
import type { CompareInput, MismatchRange } from '../backfill.js';
import { keyCompare, keyIdent, wrapSql } from './backfill-batch.js';
import { ident, literal, qualified } from './sql-names.js';

/**
 * True for a row whose column differs from the expression, NULLs counting as equal: `IS DISTINCT
 * FROM` exists only from SQL Server 2022, the INTERSECT form (which compares NULLs as equal) on 2019 too.
 */
export function differs(compare: Record<string, string>): string {
  const each = Object.entries(compare).map(
    ([c, e]) => `NOT EXISTS (SELECT ${ident(c)} INTERSECT SELECT ${wrapSql(e)})`,
  );
  return each.length === 1 ? (each[0] as string) : `(${each.join(' OR ')})`;
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
