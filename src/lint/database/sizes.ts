/** Is a table big, how big, and roughly how long a pass over it takes. */
import type { DatabaseCheckOptions } from './context.js';
import type { SimRelation } from './sim-state.js';

/**
 * A deliberately modest sequential read rate for estimates: real servers range from ~50 MB/s
 * (cloud disks under load) to over 1 GB/s. The figure is printed with every estimate.
 */
export const SCAN_BYTES_PER_SECOND = 100e6;
const RATE_LABEL = '~100 MB/s';

export function isBig(rel: SimRelation, options: DatabaseCheckOptions): boolean {
  if (rel.created) return false;
  return (
    (rel.rows !== null && rel.rows >= options.bigTableRows) ||
    (rel.bytes !== null && rel.bytes >= options.bigTableBytes)
  );
}

export function rowsText(rows: number): string {
  if (rows >= 1e9) return `${(rows / 1e9).toFixed(1)}G`;
  if (rows >= 1e6) return `${(rows / 1e6).toFixed(1)}M`;
  if (rows >= 1e4) return `${Math.round(rows / 1e3)}k`;
  return String(Math.round(rows));
}

export function bytesText(bytes: number): string {
  const units: [number, string][] = [
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${Math.round(bytes)} B`;
}

/** `~12.0M rows of orders (3.1 GB)` */
export function sizeText(rel: SimRelation): string {
  const rows = rel.rows === null ? 'an unknown number of rows' : `~${rowsText(rel.rows)} rows`;
  return `${rows} of ${rel.name}${rel.bytes === null ? '' : ` (${bytesText(rel.bytes)})`}`;
}

export function durationText(seconds: number): string {
  if (seconds < 60) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `~${Math.round(seconds / 60)} min`;
  return `~${(seconds / 3600).toFixed(1)} h`;
}

/** `expect ~2 min (at ~100 MB/s)` for `passes` reads of the table; empty when its size is unknown. */
export function expectText(rel: SimRelation, passes = 1): string {
  if (rel.bytes === null || rel.bytes === 0) return 'expect it to take a while';
  return `expect ${durationText((rel.bytes * passes) / SCAN_BYTES_PER_SECOND)} (${
    passes > 1 ? `${passes} passes ` : ''
  }at ${RATE_LABEL})`;
}
