/**
 * max_rows_per_second is a ceiling over any one-second window, before and after a pause, with one
 * and with two workers (real PostgreSQL). Each row records when the server wrote it
 * (clock_timestamp()) and each batch's commit is seen by the progress callback; neither may put
 * more rows than the ceiling into any second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/index.js';
import type { BackfillProgress } from '../../src/runner/events.js';
import { postgresEngine, prepareBackfill, runBackfill, type OpenDatabase } from './support.js';

const CEILING = 2000;
const SIZE = 100;

/** The most rows among (time, rows) points falling in any half-open window [t, t + `ms`). */
function worstSecond(points: { at: number; rows: number }[], ms = 1000): number {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  let worst = 0;
  let sum = 0;
  let from = 0;
  for (const p of sorted) {
    sum += p.rows;
    while (sorted[from]!.at <= p.at - ms) sum -= sorted[from++]!.rows;
    worst = Math.max(worst, sum);
  }
  return worst;
}

describe.each(postgresEngine)('max_rows_per_second on $name', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
  });
  afterAll(() => db?.close());

  it.each([1, 2])(
    'holds over every second, before and after a 2 s pause, with %i worker(s)',
    async (workers) => {
      const table = `ceiling_${workers}`;
      await conn.exec(
        `CREATE TABLE ${table} (id int PRIMARY KEY, v int, written_at timestamptz); INSERT INTO ${table} (id) SELECT g FROM generate_series(1, 7000) g`,
      );
      const name = `bf-ceiling-${workers}`;
      const p = await prepareBackfill(conn, name, {
        table,
        set: { v: 'id', written_at: 'clock_timestamp()' },
        batch: { size: SIZE, delay: 0, max_rows_per_second: CEILING, workers },
      });
      const commits: { at: number; rows: number }[] = [];
      const progress: { at: number; p: BackfillProgress }[] = [];
      let lastDone = 0;
      let pausing: Promise<void> | null = null;
      await runBackfill(p, {
        listener: (e) => {
          if (e.type !== 'progress') return;
          const at = performance.now();
          progress.push({ at, p: e.progress });
          if (e.progress.waiting === undefined && e.progress.rowsDone > lastDone)
            commits.push({ at, rows: e.progress.rowsDone - lastDone });
          lastDone = Math.max(lastDone, e.progress.rowsDone);
          if (!pausing && e.progress.rowsDone >= 2500) {
            pausing = (async () => {
              await p.store.setRun(name, { paused: true, pause_requested_by: 'test' });
              await new Promise((r) => setTimeout(r, 2000));
              await p.store.setRun(name, { paused: false, pause_requested_by: null });
            })();
          }
        },
      });
      await (pausing as Promise<void> | null); // set inside the listener, which control flow analysis does not see

      const { rows } = await conn.query<{ ms: number; n: number }>(
        `SELECT (extract(epoch FROM written_at) * 1000)::float8 AS ms, count(*)::int AS n FROM ${table} GROUP BY 1`,
      );
      const written = rows.map((r) => ({ at: Number(r.ms), rows: Number(r.n) }));
      expect(written.reduce((n, w) => n + w.rows, 0)).toBe(7000);
      const times = written.map((w) => w.at).sort((a, b) => a - b);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      const worstWritten = worstSecond(written);
      const worstCommitted = worstSecond(commits);
      console.log(
        `${workers} worker(s), ceiling ${CEILING} rows/s: worst second ${worstWritten} rows written (server clock), ${worstCommitted} rows committed (progress callback); ` +
          `worst 200 ms ${worstSecond(written, 200)} rows written; longest gap ${Math.round(Math.max(...gaps))}ms`,
      );
      // The pause really happened in the middle: a gap of well over a second between two writes.
      expect(Math.max(...gaps)).toBeGreaterThan(1500);
      // The server's own write times: rows are written between a batch's start and its commit, and the
      // ceiling admits a batch only with every batch of the last second counted, so no slack at all.
      expect(worstWritten).toBeLessThanOrEqual(CEILING);
      // Seen from the callback, a commit is seen after an event-loop delay that can bring two batches
      // closer than they committed: one batch of slack.
      expect(worstCommitted).toBeLessThanOrEqual(CEILING + SIZE);

      // While paused, the progress says so with no rate; after it, the rate is that of the work, not diluted by the pause.
      const held = progress.filter((x) => x.p.waiting !== undefined);
      expect(held.length).toBeGreaterThan(0);
      expect(held.every((x) => x.p.rowsPerSecond === 0 && x.p.etaMs === null)).toBe(true);
      const last = progress.filter((x) => x.p.waiting === undefined).at(-1)!.p;
      expect(last.rowsPerSecond).toBeGreaterThan(CEILING * 0.6);
      expect(last.rowsPerSecond).toBeLessThanOrEqual(CEILING * 1.05);
    },
    60_000,
  );
});
