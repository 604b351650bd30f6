/**
 * Does session state hold across statements? The runner keeps an advisory lock (one runner per
 * plan) and SET lock_timeout on one session for a whole run; a transaction-pooling proxy (PgBouncer
 * pool_mode=transaction, RDS Proxy, …) hands each statement to whichever server connection is free.
 *
 * Two sessions at once each set a custom setting, wait for each other, then read it back with
 * their backend pid: a pooler shows as a changed pid or the other session's value. One pass can
 * miss a pooler that happens to keep both clients on their own server connections, so a port
 * that differs from the server's own is reported as well.
 */
import { randomBytes } from 'node:crypto';
import type { Session } from '../../db/connection.js';
import { ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';

interface Probe {
  token: string;
  pidBefore: number | null;
  pidAfter: number | null;
  read: string | null;
}

/** Resolves when `parties` callers have arrived, or after `timeoutMs` (a failed partner must not hang us). */
function barrier(parties: number, timeoutMs: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, timeoutMs).unref();
  });
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return all;
  };
}

async function probe(s: Session, token: string, meet: () => Promise<void>): Promise<Probe> {
  const pidBefore = await s.backendPid();
  await s.query(`SELECT set_config('schemashift.doctor_probe', $1, false)`, [token]);
  await meet();
  const { rows } = await s.query<{ value: string | null; pid: number }>(
    `SELECT current_setting('schemashift.doctor_probe', true) AS value, pg_backend_pid() AS pid`,
  );
  return { token, pidBefore, pidAfter: rows[0]?.pid ?? null, read: rows[0]?.value ?? null };
}

function evidence(probes: Probe[]): string[] {
  const found: string[] = [];
  for (const p of probes) {
    if (p.pidBefore !== p.pidAfter)
      found.push(`pg_backend_pid() changed from ${p.pidBefore} to ${p.pidAfter} between two statements of one session`);
    if (p.read !== p.token)
      found.push(
        `a setting made in one statement read back as ${
          p.read === null || p.read === '' ? 'unset' : 'another ' + "session's value"
        } in the next`,
      );
  }
  return [...new Set(found)];
}

async function serverPort(ctx: DoctorContext): Promise<number | null> {
  const { rows } = await ctx.db.query<{ port: number | null }>('SELECT inet_server_port() AS port');
  return rows[0]?.port ?? null;
}

async function connectionPooler(ctx: DoctorContext): Promise<DoctorFinding> {
  if (ctx.db.kind === 'pglite') return ok('embedded PGlite: one backend, no proxy in between');
  const meet = barrier(2, 2000);
  const tokens = [randomBytes(6).toString('hex'), randomBytes(6).toString('hex')];
  const probes = await Promise.all(tokens.map((t) => ctx.db.session((s) => probe(s, t, meet))));
  const found = evidence(probes);
  const details = probes.map((p) => ({
    pidBefore: p.pidBefore,
    pidAfter: p.pidAfter,
    settingHeld: p.read === p.token,
  }));
  if (found.length > 0) {
    return {
      status: 'fail',
      finding:
        `session state does not hold (${found.join('; ')}): a transaction-pooling proxy sits in front, ` +
        `so advisory locks and session settings will not hold`,
      fix:
        'the runner needs a session connection: connect to PostgreSQL directly, or through the pooler in ' +
        'session mode (PgBouncer pool_mode = session, e.g. a separate [databases] entry for migrations)',
      details,
    };
  }
  const port = await serverPort(ctx);
  if (port !== null && ctx.options.urlPort !== null && port !== ctx.options.urlPort) {
    return {
      status: 'warn',
      finding:
        `session state held in this probe, but the URL's port ${ctx.options.urlPort} is not the server's ` +
        `(${port}): a proxy or pooler sits in between${
          ctx.options.urlPort === 6432 ? " (6432 is PgBouncer's " + 'default port)' : ''
        }`,
      fix:
        'make sure it runs in session mode (PgBouncer pool_mode = session); a transaction pooler can pass ' +
        'this probe by chance and still break advisory locks mid-run',
      details,
    };
  }
  return ok('direct connection: session state holds', details);
}

export const POOLER_CHECK: DoctorCheck = {
  id: 'connection-pooler',
  title: 'session connection',
  run: connectionPooler,
};
