/**
 * A verify step's state: its checkpoint on the step row (where the walk is, what it found so far),
 * and how a chunk's findings join the key ranges where rows differ. The dialect reads and writes
 * them (`Dialect.backfill.findings`): each chunk's findings and the checkpoint after it in one
 * statement, so a run killed at any instant resumes after the last chunk recorded, with exactly
 * the ranges found up to there.
 */
import type { ChunkFindings, MismatchRange, RangeChange } from '../dialects/backfill.js';
import { SAMPLE_KEYS } from '../operations/verify.js';
import { parseCheckpoint } from './backfill-checkpoint.js';

export type { ChunkFindings, MismatchRange, RangeChange } from '../dialects/backfill.js';

export interface VerifyCheckpoint {
  key: string[];
  /** The last key compared in this walk; null before its first chunk. */
  last: string[] | null;
  batches: number;
  /** 1 for the first walk; every re-verification after a failed one starts a new walk from the start. */
  walk: number;
  /** The walk reached the end of the key (the step is done, or failed with the ranges below). */
  complete: boolean;
  mismatches: number;
  ranges: number;
  /** Sample keys recorded so far (at most SAMPLE_KEYS per walk). */
  sampled: number;
  /** What the walk before this one found, for status while the table is walked again. */
  previous?: { walk: number; mismatches: number; ranges: number };
  /** `replica host:port` when the chunks are read on a standby (on: replica); absent on the primary. */
  readOn?: string;
}

const isWalk = (raw: Record<string, unknown>) => typeof raw['walk'] === 'number';

export function parseVerifyCheckpoint(
  stepId: string,
  table: string,
  keyColumns: string[],
  raw: Record<string, unknown> | null,
): VerifyCheckpoint {
  const base = parseCheckpoint(stepId, table, keyColumns, raw);
  if (raw === null || !isWalk(raw))
    return { key: keyColumns, last: null, batches: 0, walk: 0, complete: false, mismatches: 0, ranges: 0, sampled: 0 };
  const previous = raw['previous'] as VerifyCheckpoint['previous'] | undefined;
  const n = (k: string) => Number(raw[k] ?? 0);
  return {
    key: keyColumns,
    last: base.last,
    batches: base.batches,
    walk: n('walk'),
    complete: raw['complete'] === true,
    mismatches: n('mismatches'),
    ranges: n('ranges'),
    sampled: n('sampled'),
    ...(previous ? { previous } : {}),
    ...(typeof raw['readOn'] === 'string' ? { readOn: raw['readOn'] } : {}),
  };
}

/** The checkpoint of a new walk after `before` (null: none ran). */
export function newWalk(key: string[], before: VerifyCheckpoint | null): VerifyCheckpoint {
  const walk = (before?.walk ?? 0) + 1;
  const previous =
    before && before.walk > 0
      ? { previous: { walk: before.walk, mismatches: before.mismatches, ranges: before.ranges } }
      : {};
  return { key, last: null, batches: 0, walk, complete: false, mismatches: 0, ranges: 0, sampled: 0, ...previous };
}

/**
 * The range this chunk's differences go to: the latest one extended when this chunk starts where
 * that one's last chunk ended, else a new one. Sample keys are kept until the walk has SAMPLE_KEYS.
 */
export function mergeFindings(
  cp: VerifyCheckpoint,
  latest: MismatchRange | null,
  after: string[] | null,
  upTo: string[],
  found: ChunkFindings,
): RangeChange {
  const sample = found.sample.slice(0, Math.max(0, SAMPLE_KEYS - cp.sampled));
  const first = found.sample[0] as string[];
  const last = found.lastMismatch ?? first;
  const extendsLatest = latest !== null && after !== null && latest.chunkEnd.join('\u0000') === after.join('\u0000');
  if (extendsLatest)
    return {
      merged: true,
      added: sample.length,
      range: {
        ...latest,
        last,
        chunkEnd: upTo,
        rows: latest.rows + found.mismatches,
        sample: [...latest.sample, ...sample],
      },
    };
  return {
    merged: false,
    added: sample.length,
    range: { seq: cp.ranges + 1, first, last, chunkEnd: upTo, rows: found.mismatches, sample },
  };
}
