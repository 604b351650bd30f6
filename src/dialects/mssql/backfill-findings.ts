/**
 * A verify step's findings in SQL Server's state schema: the key ranges where rows differ, in
 * schemashift.verify_mismatches (state migration 5; keys and samples as JSON text), and the
 * checkpoint on its step row. T-SQL has no data-modifying CTE, so a chunk's range and the
 * checkpoint after it are two statements in one transaction of one batch: a run killed at any
 * instant resumes after the last chunk recorded, with exactly the ranges found up to there. Inside
 * the runner's own transaction the inner BEGIN/COMMIT only nest (@@TRANCOUNT), so the outer
 * transaction still decides; on an error the CATCH rolls back and re-raises the original error.
 * https://learn.microsoft.com/sql/t-sql/language-elements/begin-transaction-transact-sql#remarks
 */
import type { Queryable } from '../../db/connection.js';
import type { MismatchRange, RangeChange, VerifyFindingsSql, VerifyStepRef } from '../backfill.js';

const MISMATCH_COLUMNS =
  'seq, first_key AS [first], last_key AS [last], chunk_end AS chunkEnd, CONVERT(float, [rows]) AS [rows], sample';
const OF_STEP = 'schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2';

interface RangeRow {
  seq: number;
  first: string;
  last: string;
  chunkEnd: string;
  rows: number;
  sample: string;
}

/** A stored range: nvarchar(max) JSON columns come back as text. */
export function rangeOf(row: RangeRow): MismatchRange {
  return {
    seq: Number(row.seq),
    first: JSON.parse(row.first) as string[],
    last: JSON.parse(row.last) as string[],
    chunkEnd: JSON.parse(row.chunkEnd) as string[],
    rows: Number(row.rows),
    sample: JSON.parse(row.sample) as string[][],
  };
}

/** Statements run together or not at all (see the header). */
export function atomically(statements: string[]): string {
  return [
    'BEGIN TRY',
    '  BEGIN TRANSACTION;',
    ...statements.map((s) => `  ${s};`),
    '  COMMIT TRANSACTION;',
    'END TRY',
    'BEGIN CATCH',
    '  IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;',
    '  THROW;',
    'END CATCH;',
  ].join('\n');
}

export const READ_RANGES = `SELECT TOP ($3) ${MISMATCH_COLUMNS} FROM ${OF_STEP} ORDER BY seq`;
export const READ_SAMPLE = `SELECT sample FROM ${OF_STEP} AND sample <> N'[]' ORDER BY seq`;
export const LAST_RANGE = `SELECT TOP (1) ${MISMATCH_COLUMNS} FROM ${OF_STEP} ORDER BY seq DESC`;

const UPDATE_STEP =
  'UPDATE schemashift.steps SET [checkpoint] = $3, rows_done = rows_done + $4 WHERE plan_name = $1 AND step_id = $2';
export const START_WALK = atomically([
  `DELETE FROM ${OF_STEP}`,
  'UPDATE schemashift.steps SET [checkpoint] = $3, rows_done = 0 WHERE plan_name = $1 AND step_id = $2',
]);
export const RECORD_MERGED = atomically([
  'UPDATE schemashift.verify_mismatches SET last_key = $6, chunk_end = $7, [rows] = $8, sample = $9' +
    ' WHERE plan_name = $1 AND step_id = $2 AND seq = $5',
  UPDATE_STEP,
]);
export const RECORD_NEW = atomically([
  'INSERT INTO schemashift.verify_mismatches (plan_name, step_id, seq, first_key, last_key, chunk_end, [rows], sample)' +
    ' VALUES ($1, $2, $5, $6, $7, $8, $9, $10)',
  UPDATE_STEP,
]);

async function readRanges(db: Queryable, at: VerifyStepRef, limit = 1000): Promise<MismatchRange[]> {
  const { rows } = await db.query<RangeRow>(READ_RANGES, [at.plan, at.stepId, limit]);
  return rows.map(rangeOf);
}

async function readSample(db: Queryable, at: VerifyStepRef): Promise<string[][]> {
  const { rows } = await db.query<{ sample: string }>(READ_SAMPLE, [at.plan, at.stepId]);
  return rows.flatMap((r) => JSON.parse(r.sample) as string[][]);
}

async function lastRange(db: Queryable, at: VerifyStepRef): Promise<MismatchRange | null> {
  const { rows } = await db.query<RangeRow>(LAST_RANGE, [at.plan, at.stepId]);
  return rows[0] ? rangeOf(rows[0]) : null;
}

async function startWalk(db: Queryable, at: VerifyStepRef, checkpoint: object): Promise<void> {
  await db.query(START_WALK, [at.plan, at.stepId, JSON.stringify(checkpoint)]);
}

/** The statement for a chunk and its parameters: the step's four, then the range's. */
export function chunkRecord(
  at: VerifyStepRef,
  checkpoint: object,
  rows: number,
  change: RangeChange | null,
): { sql: string; params: unknown[] } {
  const step: unknown[] = [at.plan, at.stepId, JSON.stringify(checkpoint), rows];
  if (change === null) return { sql: UPDATE_STEP, params: step };
  const r = change.range;
  const json = (v: unknown) => JSON.stringify(v);
  if (change.merged)
    return { sql: RECORD_MERGED, params: [...step, r.seq, json(r.last), json(r.chunkEnd), r.rows, json(r.sample)] };
  const range = [r.seq, json(r.first), json(r.last), json(r.chunkEnd), r.rows, json(r.sample)];
  return { sql: RECORD_NEW, params: [...step, ...range] };
}

async function recordChunk(
  db: Queryable,
  at: VerifyStepRef,
  checkpoint: object,
  rows: number,
  change: RangeChange | null,
): Promise<void> {
  const { sql, params } = chunkRecord(at, checkpoint, rows, change);
  await db.query(sql, params);
}

async function rangesTableExists(db: Queryable): Promise<boolean> {
  const sql = "SELECT CASE WHEN OBJECT_ID(N'schemashift.verify_mismatches', N'U') IS NULL THEN 0 ELSE 1 END AS ok";
  const { rows } = await db.query<{ ok: number }>(sql);
  return rows[0]?.ok === 1;
}

export const mssqlVerifyFindings: VerifyFindingsSql = {
  rangesTableExists,
  readRanges,
  readSample,
  lastRange,
  startWalk,
  recordChunk,
};
