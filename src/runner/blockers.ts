import type { Queryable } from '../db/connection.js';
import type { Blocker } from './events.js';

/** The sessions that block `pid` right now (empty when it is not waiting for a lock). */
export async function blockersOf(db: Queryable, pid: number): Promise<Blocker[]> {
  const { rows } = await db.query<{ pid: number; state: string | null; for_ms: number | null; query: string | null; application_name: string | null }>(
    `SELECT a.pid, a.state, a.application_name, left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80) AS query,
            (extract(epoch FROM now() - coalesce(a.xact_start, a.state_change, a.query_start)) * 1000)::float8 AS for_ms
     FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1)) ORDER BY a.pid`,
    [pid],
  );
  return rows.map((r) => ({ pid: r.pid, state: r.state, forMs: Math.max(0, Math.round(r.for_ms ?? 0)), query: r.query ?? '', applicationName: r.application_name || null }));
}

/**
 * Poll the blockers of `pid` every `intervalMs` while `work` runs, reporting each new set once.
 * Needs a connection other than the one running `work`.
 */
export async function watchBlockers<T>(db: Queryable | null, pid: number | null, intervalMs: number, report: (b: Blocker[]) => void, work: () => Promise<T>): Promise<T> {
  if (!db || pid === null) return work();
  let last = '';
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    blockersOf(db, pid)
      .then((blockers) => {
        const key = blockers.map((b) => b.pid).join(',');
        if (blockers.length > 0 && key !== last) report(blockers);
        last = key;
      })
      .catch(() => undefined)
      .finally(() => (polling = false));
  }, intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
