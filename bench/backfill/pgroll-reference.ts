/**
 * A pgroll-style backfill, implemented from pgroll's algorithm as of xataio/pgroll commit
 * cdbe9b0f3c01abbadd78e44b4e525456315bfd00 (2026-05-12):
 * - pkg/backfill/trigger.go + templates/function.go, templates/trigger.go: in one transaction, a
 *   `_pgroll_needs_backfill boolean DEFAULT true` column, a plpgsql function that copies every column
 *   of NEW into a variable of the column's name, then (when the session's search_path is not the
 *   new version's schema) sets the new column from the `up` expression and clears the flag, and a
 *   `BEFORE UPDATE OR INSERT … FOR EACH ROW` trigger running it;
 * - pkg/backfill/backfill.go (pkBatcher) + templates/sql.go: the row count estimate, then batches
 *   of 1000 (config.go: DefaultBatchSize 1000, DefaultDelay 0), each its own transaction (BEGIN,
 *   the statement, COMMIT) sending one statement that picks the next 1000 flagged rows after the
 *   last key (inlined as a literal, FOR NO KEY UPDATE) and touches them with `SET id = id` so that
 *   the trigger fills them, returning the batch's last key; no rows back ends the backfill.
 * pgroll runs these from Go (database/sql); here a Node client sends the same statements.
 */
import type pg from 'pg';
import type { Timed } from './contenders.js';
import { TABLE } from './db.js';

const FLAG = '_pgroll_needs_backfill';
const FUNCTION = `_pgroll_trigger_${TABLE}_customer_id`;
const COLUMNS = ['id', 'client_id', 'total', 'status', 'created_at', 'customer_id'];
const BATCH_SIZE = 1000;

/** pq.QuoteLiteral for the keys this table has (bigint, read back from the server). */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

function triggerFunction(): string {
  const variables = COLUMNS.map((c) => `"${c}" "public"."${TABLE}"."${c}"%TYPE := NEW."${c}";`).join('\n      ');
  return `CREATE OR REPLACE FUNCTION "${FUNCTION}"()
    RETURNS TRIGGER
    LANGUAGE PLPGSQL
    AS $$
    DECLARE
      ${variables}
      latest_schema text;
      search_path text;
    BEGIN
      SELECT current_setting
        INTO search_path
        FROM current_setting('search_path');

      IF search_path != 'public_bench_latest' THEN
        NEW."customer_id" = (client_id);
        NEW."${FLAG}" = false;
      END IF;

      RETURN NEW;
    END; $$`;
}

async function createTrigger(c: pg.Client): Promise<void> {
  await c.query('BEGIN');
  await c.query(`ALTER TABLE "${TABLE}" ADD COLUMN IF NOT EXISTS "${FLAG}" boolean DEFAULT true`);
  await c.query(triggerFunction());
  await c.query(`CREATE OR REPLACE TRIGGER "${FUNCTION}"
    BEFORE UPDATE OR INSERT
    ON "${TABLE}"
    FOR EACH ROW
    EXECUTE PROCEDURE "${FUNCTION}"();`);
  await c.query('COMMIT');
}

function batchStatement(lastValue: string | null): string {
  return `WITH batch AS
(
  SELECT "id"
  FROM "${TABLE}"
  WHERE "${FLAG}" = true
  ${lastValue === null ? '' : `AND ("id") > (${literal(lastValue)})`}
  ORDER BY "id"
  LIMIT ${BATCH_SIZE}
  FOR NO KEY UPDATE
),
update AS
(
  UPDATE "${TABLE}"
  SET "id" = "${TABLE}"."id"
  FROM batch
  WHERE "${TABLE}"."id" = batch."id"
  RETURNING "${TABLE}"."id"
)
SELECT LAST_VALUE("id") OVER()
FROM update
`;
}

/** The trigger, then the batches until none is left; timed from the trigger's creation to the last batch's commit. */
export async function pgrollReference(c: pg.Client): Promise<Timed> {
  const t = performance.now();
  await createTrigger(c);
  const setupMs = performance.now() - t;
  await c.query(
    `SELECT n_live_tup AS estimate FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = $1`,
    [TABLE],
  );
  let lastValue: string | null = null;
  let batches = 0;
  for (;;) {
    await c.query('BEGIN');
    const r: pg.QueryResult<{ last_value: string }> = await c.query(batchStatement(lastValue));
    await c.query('COMMIT');
    const last = r.rows[0]?.last_value;
    if (last === undefined) break;
    lastValue = String(last);
    batches++;
  }
  const ms = performance.now() - t;
  const done = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE} WHERE NOT "${FLAG}"`);
  return {
    ms,
    rows: Number(done.rows[0]?.n),
    note: `${batches} batches of ${BATCH_SIZE}, trigger set up in ${Math.round(setupMs)} ms`,
  };
}
