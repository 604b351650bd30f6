/**
 * A verify step's state in the target database: its checkpoint on the step row (where the walk is,
 * what it found so far) and the key ranges where rows differ, in schemashift.verify_mismatches
 * (state migration 5). Each chunk's findings and the checkpoint after it are written by one
 * statement, so a run killed at any instant resumes after the last chunk recorded, with exactly
 * the ranges found up to there.
 */
import type { Queryable } from '../db/connection.js';
import { SAMPLE_KEYS } from '../operations/verify.js';
import { parseCheckpoint } from './backfill-checkpoint.js';

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
}

/** Keys in the range `(after, chunkEnd]` differ: the first and last that do, how many, and a sample. */
export interface MismatchRange {
  seq: number;
  first: string[];
  last: string[];
  /** The end of the last chunk merged into it: a range grows while consecutive chunks have differences. */
  chunkEnd: string[];
  rows: number;
  sample: string[][];
}

const isWalk = (raw: Record<string, unknown>) => typeof raw['walk'] === 'number';

export function parseVerifyCheckpoint(stepId: string, table: string, keyColumns: string[], raw: Record<string, unknown> | null): VerifyCheckpoint {
  const base = parseCheckpoint(stepId, table, keyColumns, raw);
  if (raw === null || !isWalk(raw)) return { key: keyColumns, last: null, batches: 0, walk: 0, complete: false, mismatches: 0, ranges: 0, sampled: 0 };
  const previous = raw['previous'] as VerifyCheckpoint['previous'] | undefined;
  const n = (k: string) => Number(raw[k] ?? 0);
  return { key: keyColumns, last: base.last, batches: base.batches, walk: n('walk'), complete: raw['complete'] === true, mismatches: n('mismatches'), ranges: n('ranges'), sampled: n('sampled'), ...(previous ? { previous } : {}) };
}

/** The checkpoint of a new walk after `before` (null: none ran). */
export function newWalk(key: string[], before: VerifyCheckpoint | null): VerifyCheckpoint {
  const walk = (before?.walk ?? 0) + 1;
  const previous = before && before.walk > 0 ? { previous: { walk: before.walk, mismatches: before.mismatches, ranges: before.ranges } } : {};
  return { key, last: null, batches: 0, walk, complete: false, mismatches: 0, ranges: 0, sampled: 0, ...previous };
}

const MISMATCH_COLUMNS = 'seq, first_key AS first, last_key AS last, chunk_end AS "chunkEnd", rows::float8 AS rows, sample';

export async function readRanges(db: Queryable, plan: string, stepId: string, limit = 1000): Promise<MismatchRange[]> {
  const { rows } = await db.query<MismatchRange>(`SELECT ${MISMATCH_COLUMNS} FROM schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2 ORDER BY seq LIMIT $3`, [plan, stepId, limit]);
  return rows.map((r) => ({ ...r, rows: Number(r.rows) }));
}

/** The walk's sample of differing keys (at most SAMPLE_KEYS, in key order), from every range that holds some. */
export async function readSample(db: Queryable, plan: string, stepId: string): Promise<string[][]> {
  const { rows } = await db.query<{ sample: string[][] }>("SELECT sample FROM schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2 AND sample <> '[]'::jsonb ORDER BY seq", [plan, stepId]);
  return rows.flatMap((r) => r.sample);
}

/** The latest range (a chunk starting at its end extends it). */
export async function lastRange(db: Queryable, plan: string, stepId: string): Promise<MismatchRange | null> {
  const { rows } = await db.query<MismatchRange>(`SELECT ${MISMATCH_COLUMNS} FROM schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2 ORDER BY seq DESC LIMIT 1`, [plan, stepId]);
  return rows[0] ? { ...rows[0], rows: Number(rows[0].rows) } : null;
}

/** Start a walk: the ranges of the last one go, the checkpoint and rows done start over; one statement. */
export async function startWalk(db: Queryable, plan: string, stepId: string, cp: VerifyCheckpoint): Promise<void> {
  await db.query(
    `WITH gone AS (DELETE FROM schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2)
     UPDATE schemashift.steps SET checkpoint = $3::jsonb, rows_done = 0 WHERE plan_name = $1 AND step_id = $2`,
    [plan, stepId, JSON.stringify(cp)],
  );
}

/** What one chunk found: its rows, and where rows differ (null: none did). */
export interface ChunkFindings {
  rows: number;
  mismatches: number;
  sample: string[][];
  lastMismatch: string[] | null;
}

/**
 * The range this chunk's differences go to: the latest one extended when this chunk starts where
 * that one's last chunk ended, else a new one. Sample keys are kept until the walk has SAMPLE_KEYS.
 */
export function mergeFindings(cp: VerifyCheckpoint, latest: MismatchRange | null, after: string[] | null, upTo: string[], found: ChunkFindings): RangeChange {
  const sample = found.sample.slice(0, Math.max(0, SAMPLE_KEYS - cp.sampled));
  const first = found.sample[0] as string[];
  const last = found.lastMismatch ?? first;
  const extendsLatest = latest !== null && after !== null && latest.chunkEnd.join('\u0000') === after.join('\u0000');
  if (extendsLatest) return { merged: true, added: sample.length, range: { ...latest, last, chunkEnd: upTo, rows: latest.rows + found.mismatches, sample: [...latest.sample, ...sample] } };
  return { merged: false, added: sample.length, range: { seq: cp.ranges + 1, first, last, chunkEnd: upTo, rows: found.mismatches, sample } };
}

export interface RangeChange {
  range: MismatchRange;
  /** True: the latest range grew; false: a new one. */
  merged: boolean;
  /** Sample keys this chunk added. */
  added: number;
}

/** The chunk's range (when rows differ) and the checkpoint after it, in one statement. */
export async function recordChunk(db: Queryable, plan: string, stepId: string, cp: VerifyCheckpoint, rows: number, change: RangeChange | null): Promise<void> {
  const params: unknown[] = [plan, stepId, JSON.stringify(cp), rows];
  let cte = '';
  if (change) {
    const r = change.range;
    const json = (v: unknown) => JSON.stringify(v);
    if (change.merged) {
      params.push(r.seq, json(r.last), json(r.chunkEnd), r.rows, json(r.sample));
      cte = 'WITH range AS (UPDATE schemashift.verify_mismatches SET last_key = $6::jsonb, chunk_end = $7::jsonb, rows = $8, sample = $9::jsonb WHERE plan_name = $1 AND step_id = $2 AND seq = $5)\n';
    } else {
      params.push(r.seq, json(r.first), json(r.last), json(r.chunkEnd), r.rows, json(r.sample));
      cte = 'WITH range AS (INSERT INTO schemashift.verify_mismatches (plan_name, step_id, seq, first_key, last_key, chunk_end, rows, sample) VALUES ($1, $2, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10::jsonb))\n';
    }
  }
  await db.query(`${cte}UPDATE schemashift.steps SET checkpoint = $3::jsonb, rows_done = rows_done + $4 WHERE plan_name = $1 AND step_id = $2`, params);
}
