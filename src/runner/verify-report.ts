/** How a verify's findings read: in its failure, its events and `status`. */
import type { Dialect } from '../dialects/dialect.js';
import type { VerifyStep } from '../operations/types.js';
import type { MismatchRange, VerifyCheckpoint } from './verify-state.js';

/** Ranges spelled out in a message; the rest are counted. */
export const RANGES_SHOWN = 10;

export function describeKey(key: string[]): string {
  return key.length === 1 ? String(key[0]) : `(${key.join(', ')})`;
}

/** `id 101..120: 20 rows`. */
export function describeRange(columns: string[], r: Pick<MismatchRange, 'first' | 'last' | 'rows'>): string {
  const keys =
    r.first.join('\u0000') === r.last.join('\u0000')
      ? describeKey(r.first)
      : `${describeKey(r.first)}..${describeKey(r.last)}`;
  return (
    `${columns.length === 1 ? columns[0] : `(${columns.join(', ')})`} ${keys}: ${r.rows} ` +
    `row${r.rows === 1 ? '' : 's'}`
  );
}

export function sampleKeys(sample: string[][]): string[] {
  return sample.map(describeKey);
}

/** The first line: what differs, how much, where. */
export function mismatchSummary(
  step: Pick<VerifyStep, 'id' | 'table'>,
  cp: Pick<VerifyCheckpoint, 'mismatches' | 'ranges'>,
  rowsCompared: number,
): string {
  return (
    `${step.id}: ${cp.mismatches} of ${rowsCompared} rows of ${step.table} differ, in ${cp.ranges} key ` +
    `range${cp.ranges === 1 ? '' : 's'}`
  );
}

/** The failure of a walk that found differences: the summary, the ranges and sample keys, and what to do. */
export function mismatchMessage(
  d: Dialect,
  step: VerifyStep,
  columns: string[],
  cp: VerifyCheckpoint,
  rowsCompared: number,
  found: { ranges: MismatchRange[]; sample: string[][] },
  rerun: string,
): { message: string; hint: string } {
  const shown = found.ranges.slice(0, RANGES_SHOWN);
  const more = cp.ranges > shown.length ? [`    … and ${cp.ranges - shown.length} more range(s)`] : [];
  const compared = Object.entries(step.compare)
    .map(([c, e]) => `${c} = ${e}`)
    .join(', ');
  const message = [
    `${mismatchSummary(step, cp, rowsCompared)} ` +
      `(expected ${compared}${step.where ? ` where ${step.where}` : ''}); contract cannot start while any row differs`,
    '  ranges:',
    ...shown.map((r) => `    ${describeRange(columns, r)}`),
    ...more,
    `  sample keys: ${sampleKeys(found.sample).join(', ')}`,
  ].join('\n');
  const hint = [
    'bring these rows in step (re-run the backfill over each range; the statements, to review and run):',
    ...shown.map((r) => `    ${d.backfill.fixStatement(step, columns, r)}`),
    '  and find why they drifted (writes with the sync trigger disabled or session_replication_role = ' +
      'replica, an application writing the new column directly),',
    `  then \`${rerun}\`: the verify walks the whole table again, and contract starts only after a walk that ` +
      `finds no difference`,
  ].join('\n');
  return { message, hint };
}
