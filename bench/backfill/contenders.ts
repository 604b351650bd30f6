/**
 * The plain-SQL ways to fill `customer_id = client_id` on the whole of `orders` that the benchmark
 * compares schemashift with. Each runs on its own fresh copy (db.ts) and returns its wall time.
 */
import type pg from 'pg';
import { TABLE } from './db.js';

export interface Timed {
  ms: number;
  rows: number;
  /** Anything worth printing beside the figure (batches, sizes). */
  note?: string;
}

export async function singleUpdate(c: pg.Client): Promise<Timed> {
  const t = performance.now();
  const r = await c.query(`UPDATE ${TABLE} SET customer_id = client_id`);
  return { ms: performance.now() - t, rows: r.rowCount ?? 0 };
}

/** A PL/pgSQL procedure walking the dense integer key in ranges of `step`, one COMMIT per range. */
export async function serverKeyset(c: pg.Client, step = 10_000): Promise<Timed> {
  await c.query(`CREATE PROCEDURE bench_keyset(step bigint) LANGUAGE plpgsql AS $$
    DECLARE lo bigint; hi bigint;
    BEGIN
      SELECT min(id) - 1, max(id) INTO lo, hi FROM ${TABLE};
      WHILE lo < hi LOOP
        UPDATE ${TABLE} SET customer_id = client_id WHERE id > lo AND id <= lo + step;
        lo := lo + step;
        COMMIT;
      END LOOP;
    END $$`);
  const t = performance.now();
  await c.query('CALL bench_keyset($1)', [step]);
  const ms = performance.now() - t;
  const filled = await c.query<{ n: string }>(`SELECT count(customer_id) AS n FROM ${TABLE}`);
  return { ms, rows: Number(filled.rows[0]?.n), note: `ranges of ${step}` };
}
