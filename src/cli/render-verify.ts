/** What `status` shows of verify steps: the walk, and where rows differ (text and JSON). */
import type { Connection } from '../db/connection.js';
import { dialectNamed } from '../dialects/registry.js';
import { describeRange, RANGES_SHOWN, sampleKeys } from '../runner/verify-report.js';
import { parseVerifyCheckpoint, type MismatchRange, type VerifyCheckpoint } from '../runner/verify-state.js';
import type { StepRow } from '../state/store.js';
import type { Paint } from './io.js';

export interface VerifyStatus {
  checkpoint: VerifyCheckpoint;
  /** The first RANGES_SHOWN ranges of the current walk (checkpoint.ranges counts them all). */
  ranges: MismatchRange[];
  /** The walk's sample of differing keys. */
  sample: string[][];
}

/** The verify steps' state, by step id; empty where the state tables predate verify (nothing to show). */
export async function verifyStatuses(
  db: Connection,
  planName: string,
  steps: StepRow[],
): Promise<Map<string, VerifyStatus>> {
  const verifies = steps.filter((s) => s.kind === 'verify' && s.checkpoint !== null);
  if (verifies.length === 0) return new Map();
  const { findings } = dialectNamed(db.dialect).backfill;
  if (!(await findings.rangesTableExists(db))) return new Map();
  const entries = await Promise.all(
    verifies.map(async (s) => {
      const key = Array.isArray(s.checkpoint?.['key']) ? (s.checkpoint['key'] as string[]) : [];
      const checkpoint = parseVerifyCheckpoint(s.step_id, '', key, s.checkpoint);
      const found = checkpoint.ranges > 0;
      const at = { plan: planName, stepId: s.step_id };
      return [
        s.step_id,
        {
          checkpoint,
          ranges: found ? await findings.readRanges(db, at, RANGES_SHOWN) : [],
          sample: found ? await findings.readSample(db, at) : [],
        },
      ] as const;
    }),
  );
  return new Map(entries);
}

/** Lines under the step: what the walk found so far (or found, when it failed), then the sample keys. */
export function verifyLines(v: VerifyStatus | undefined, p: Paint): string[] {
  if (!v) return [];
  const cp = v.checkpoint;
  const indent = '        ';
  const lines: string[] = [];
  if (cp.readOn !== undefined) lines.push(p.dim(`${indent}read on ${cp.readOn}`));
  if (cp.previous && cp.previous.mismatches > 0 && !cp.complete)
    lines.push(
      p.dim(
        `${indent}walk ${cp.walk}: re-verifying from the start ` +
          `(walk ${cp.previous.walk} found ${cp.previous.mismatches} rows differing in ${cp.previous.ranges} ranges)`,
      ),
    );
  if (cp.mismatches === 0) return lines;
  lines.push(
    p.red(
      `${indent}${cp.mismatches} row${cp.mismatches === 1 ? '' : 's'} differ in ${cp.ranges} key ` +
        `range${cp.ranges === 1 ? '' : 's'}${cp.complete ? '' : ' so far'}:`,
    ),
  );
  lines.push(...v.ranges.map((r) => p.red(`${indent}  ${describeRange(cp.key, r)}`)));
  if (cp.ranges > v.ranges.length) lines.push(p.red(`${indent}  … and ${cp.ranges - v.ranges.length} more`));
  lines.push(p.red(`${indent}sample keys: ${sampleKeys(v.sample).join(', ')}`));
  return lines;
}

export function verifyJson(v: VerifyStatus): Record<string, unknown> {
  const cp = v.checkpoint;
  return {
    walk: cp.walk,
    complete: cp.complete,
    mismatches: cp.mismatches,
    range_count: cp.ranges,
    ranges: v.ranges.map((r) => ({ first: r.first, last: r.last, rows: r.rows, sample: r.sample })),
    sample_keys: v.sample,
    ...(cp.previous ? { previous: cp.previous } : {}),
    read_on: cp.readOn ?? 'primary',
  };
}
