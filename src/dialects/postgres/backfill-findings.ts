/**
 * A verify step's findings in the state schema: the key ranges where rows differ, in
 * schemashift.verify_mismatches (state migration 5), and the checkpoint on its step row. Each chunk's
 * findings and the checkpoint after it are written by one statement, so a run killed at any instant
 * resumes after the last chunk recorded, with exactly the ranges found up to there.
 */
import type { Queryable } from '../../db/connection.js';
import type { MismatchRange, RangeChange, VerifyFindingsSql, VerifyStepRef } from '../backfill.js';

const MISMATCH_COLUMNS =
  'seq, first_key AS first, last_key AS last, chunk_end AS "chunkEnd", rows::float8 AS rows, sample';
const OF_STEP = 'schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2';

async function readRanges(db: Queryable, at: VerifyStepRef, limit = 1000): Promise<MismatchRange[]> {
  const sql = `SELECT ${MISMATCH_COLUMNS} FROM ${OF_STEP} ORDER BY seq LIMIT $3`;
  const { rows } = await db.query<MismatchRange>(sql, [at.plan, at.stepId, limit]);
  return rows.map((r) => ({ ...r, rows: Number(r.rows) }));
}

async function readSample(db: Queryable, at: VerifyStepRef): Promise<string[][]> {
  const sql = `SELECT sample FROM ${OF_STEP} AND sample <> '[]'::jsonb ORDER BY seq`;
  const { rows } = await db.query<{ sample: string[][] }>(sql, [at.plan, at.stepId]);
  return rows.flatMap((r) => r.sample);
}

async function lastRange(db: Queryable, at: VerifyStepRef): Promise<MismatchRange | null> {
  const sql = `SELECT ${MISMATCH_COLUMNS} FROM ${OF_STEP} ORDER BY seq DESC LIMIT 1`;
  const { rows } = await db.query<MismatchRange>(sql, [at.plan, at.stepId]);
  return rows[0] ? { ...rows[0], rows: Number(rows[0].rows) } : null;
}

async function startWalk(db: Queryable, at: VerifyStepRef, checkpoint: object): Promise<void> {
  await db.query(
    `WITH gone AS (DELETE FROM ${OF_STEP})
     UPDATE schemashift.steps SET checkpoint = $3::jsonb, rows_done = 0 WHERE plan_name = $1 AND step_id = $2`,
    [at.plan, at.stepId, JSON.stringify(checkpoint)],
  );
}

const UPDATE_RANGE =
  'WITH range AS (UPDATE schemashift.verify_mismatches' +
  ' SET last_key = $6::jsonb, chunk_end = $7::jsonb, rows = $8, sample = $9::jsonb' +
  ' WHERE plan_name = $1 AND step_id = $2 AND seq = $5)\n';
const INSERT_RANGE =
  'WITH range AS (INSERT INTO schemashift.verify_mismatches' +
  ' (plan_name, step_id, seq, first_key, last_key, chunk_end, rows, sample)' +
  ' VALUES ($1, $2, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10::jsonb))\n';
const UPDATE_STEP =
  'UPDATE schemashift.steps SET checkpoint = $3::jsonb, rows_done = rows_done + $4' +
  ' WHERE plan_name = $1 AND step_id = $2';

/** The range's statement (a CTE before the step row's update) and its parameters after the first four. */
function rangeWrite(change: RangeChange): { cte: string; params: unknown[] } {
  const r = change.range;
  const json = (v: unknown) => JSON.stringify(v);
  if (change.merged) {
    return { cte: UPDATE_RANGE, params: [r.seq, json(r.last), json(r.chunkEnd), r.rows, json(r.sample)] };
  }
  return { cte: INSERT_RANGE, params: [r.seq, json(r.first), json(r.last), json(r.chunkEnd), r.rows, json(r.sample)] };
}

async function recordChunk(
  db: Queryable,
  at: VerifyStepRef,
  checkpoint: object,
  rows: number,
  change: RangeChange | null,
): Promise<void> {
  const range = change ? rangeWrite(change) : { cte: '', params: [] };
  const params: unknown[] = [at.plan, at.stepId, JSON.stringify(checkpoint), rows, ...range.params];
  await db.query(`${range.cte}${UPDATE_STEP}`, params);
}

async function rangesTableExists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    "SELECT to_regclass('schemashift.verify_mismatches') IS NOT NULL AS ok",
  );
  return rows[0]?.ok === true;
}

export const postgresVerifyFindings: VerifyFindingsSql = {
  rangesTableExists,
  readRanges,
  readSample,
  lastRange,
  startWalk,
  recordChunk,
};
