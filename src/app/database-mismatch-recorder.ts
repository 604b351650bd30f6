/** Records mismatches in schemashift.shadow_mismatches, which the plan gate `shadow_clean` reads. */
import type { MismatchRecorder, ShadowMismatch } from './mismatch-recorder.js';
import type { Dialect } from '../dialects/dialect.js';
import { appStateSql } from '../dialects/app-registry.js';
import { checkedTableName, type SqlClient } from './sql-client.js';

export interface DatabaseMismatchRecorderOptions {
  /** Default `schemashift.shadow_mismatches` (created by the schemashift runner's state schema). */
  table?: string;
  /** The database's dialect, which writes the statement. Default PostgreSQL. */
  dialect?: Dialect;
}

/** JSON for a JSON parameter: bigints as strings, anything unserializable as a note, undefined as NULL. */
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
export function databaseMismatchRecorder(
  client: SqlClient,
  options: DatabaseMismatchRecorderOptions = {},
): MismatchRecorder {
  const table = checkedTableName(options.table ?? 'schemashift.shadow_mismatches', 'table');
  const sql = appStateSql(options.dialect).insertMismatch(table);
  return {
    async record(m) {
      await client.query(sql, [
        m.repository,
        m.method,
        jsonParam(m.args),
        jsonParam(m.oldResult),
        jsonParam(m.newResult),
        errorColumn(m),
      ]);
    },
  };
}
