/** Records mismatches in schemashift.shadow_mismatches, which the plan gate `shadow_clean` reads. */
import type { MismatchRecorder, ShadowMismatch } from './mismatch-recorder.js';
import { quotedTableName, type SqlClient } from './sql-client.js';

export interface DatabaseMismatchRecorderOptions {
  /** Default `schemashift.shadow_mismatches` (created by the schemashift runner's state schema). */
  table?: string;
}

/** JSON for a jsonb parameter: bigints as strings, anything unserializable as a note, undefined as NULL. */
function jsonParam(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? null;
  } catch (e) {
    return JSON.stringify({ unserializable: e instanceof Error ? e.message : String(e) });
  }
}

function errorColumn(m: ShadowMismatch): string | null {
  return m.kind === 'mismatch' ? null : `${m.kind} (${m.mode}): ${m.error ?? 'unknown error'}`;
}

/** `at` is left to the database's now(), the clock the gate compares against. */
export function databaseMismatchRecorder(client: SqlClient, options: DatabaseMismatchRecorderOptions = {}): MismatchRecorder {
  const table = quotedTableName(options.table ?? 'schemashift.shadow_mismatches', 'table');
  const sql = `INSERT INTO ${table} (repository, method, args, old_result, new_result, error) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6)`;
  return {
    async record(m) {
      await client.query(sql, [m.repository, m.method, jsonParam(m.args), jsonParam(m.oldResult), jsonParam(m.newResult), errorColumn(m)]);
    },
  };
}
