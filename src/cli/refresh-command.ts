/**
 * `refresh VIEW... [--concurrently auto|always|never] [--json] …`: refresh materialized views for a
 * scheduler (a CronJob, Cloud Scheduler, pg_cron's host). Each view in the order given; one refresh of
 * a view at a time (an overlapping run gets `locked` at once, naming the holder). Exit codes as `run`:
 * 0 every view refreshed; 1 a refresh failed (the others were still attempted); 3 none failed but a
 * view was being refreshed by another session (the others were still refreshed); 2 invalid (nothing
 * run); 4 the database cannot be reached.
 */
import { parseDatabaseUrl } from '../db/index.js';
import type { Connection, Queryable } from '../db/connection.js';
import { dialectNamed } from '../dialects/registry.js';
import type { ViewRefreshStore } from '../dialects/state.js';
import type { ViewRefreshSql } from '../dialects/view-refresh.js';
import { UsageError } from '../errors.js';
import { enableConnectionCheck } from '../runner/acquire.js';
import { currentActor } from '../runner/run-plan.js';
import { databaseUrl, openDatabase } from './database.js';
import { printJsonError } from './errors.js';
import { interruptSignal } from './interrupt.js';
import { paint, type Io } from './io.js';
import {
  checkViewNames,
  refreshSettings,
  type RefreshCommandOptions,
  type RefreshSettings,
} from './refresh-options.js';
import { refreshJson, refreshLine } from './refresh-output.js';
import { resolveViews, type ResolvedView } from './refresh-resolve.js';
import { refreshQuit, type RefreshQuit } from './refresh-quit.js';
import { refreshView, type RefreshResult } from './refresh-view.js';
import { stateStoreOf } from './state-of.js';

export type { RefreshCommandOptions };

function refreshSqlFor(url: string, io: Io): ViewRefreshSql {
  const { scheme } = parseDatabaseUrl(url, io.cwd);
  const support = dialectNamed(scheme === 'mssql' ? 'mssql' : 'postgres').viewRefresh;
  if (support.refusal !== undefined)
    throw new UsageError(support.refusal.message, support.refusal.hint, 'refresh-unsupported');
  return support;
}

function viewStoreOf(conn: Connection, db: Queryable = conn): ViewRefreshStore {
  const open = dialectNamed(conn.dialect).state.viewRefreshes;
  if (!open)
    throw new Error(`internal: the ${conn.dialect} state has no view refreshes, and refresh should have refused`);
  return open(db);
}

async function declarePolicies(store: ViewRefreshStore, views: ResolvedView[], settings: RefreshSettings) {
  if (settings.maxStalenessMs === undefined) return;
  for (const view of views) await store.setMaxStaleness(view.schema, view.name, settings.maxStalenessMs, 'cli');
}

interface Run {
  conn: Connection;
  sql: ViewRefreshSql;
  settings: RefreshSettings;
  json: boolean;
  io: Io;
  /** Aborted by Ctrl-C or SIGTERM: no retry and no further view starts. */
  signal: AbortSignal;
  /** Told the refreshes' backend, which a second Ctrl-C or SIGTERM ends on the server. */
  quit: RefreshQuit;
}

/** On one session (PGlite has only one: the records are written on it too), each view in turn. */
async function refreshAll(
  { conn, sql, settings, json, io, signal, quit }: Run,
  views: ResolvedView[],
): Promise<RefreshResult[]> {
  const dialect = dialectNamed(conn.dialect);
  const actor = currentActor();
  return conn.session(async (session) => {
    quit.sessionPid = await session.backendPid();
    await enableConnectionCheck(dialect.session, session);
    const ctx = {
      session,
      monitor: conn.kind === 'pglite' ? null : conn,
      dialect,
      sql,
      store: viewStoreOf(conn, session),
      settings,
      actor: `${actor.user}@${actor.host}`,
      say: (line: string) => io.err(`${line}\n`),
      signal,
    };
    const results: RefreshResult[] = [];
    for (const view of views) {
      if (signal.aborted) break;
      const result = await refreshView(ctx, view);
      if (!json) io.out(refreshLine(result, paint(io.color)));
      results.push(result);
    }
    quit.sessionPid = null;
    return results;
  });
}

export function exitCodeOf(results: RefreshResult[]): number {
  if (results.some((r) => r.outcome === 'failed')) return 1;
  return results.some((r) => r.outcome === 'locked') ? 3 : 0;
}

const STOPPING =
  'stopping after the current refresh (press Ctrl-C again to quit at once: the refresh is then ended on the server)';

/** Exit 130 after an interruption, naming the views that were not attempted. */
function interrupted(io: Io, json: boolean, views: ResolvedView[], results: RefreshResult[]): number {
  const skipped = views.slice(results.length).map((v) => v.display);
  const message = `interrupted${skipped.length > 0 ? `: not attempted: ${skipped.join(', ')}` : ''}`;
  const help = 'run the same command again';
  if (json) printJsonError(io, { code: 'interrupted', message, help, exit_code: 130 });
  else io.err(`schemashift: ${message}\n  help: ${help}\n`);
  return 130;
}

export async function refreshCommand(views: string[], opts: RefreshCommandOptions, io: Io): Promise<number> {
  const settings = refreshSettings(opts);
  const names = checkViewNames(views);
  const url = databaseUrl(opts.database, io);
  const sql = refreshSqlFor(url, io);
  const json = opts.json === true;
  const conn = await openDatabase(url, io, 'schemashift refresh', { mustExist: true });
  const quit = refreshQuit(conn, io);
  const { signal, dispose } = interruptSignal(io, { stopping: STOPPING, quit: quit.quit });
  try {
    const resolved = await resolveViews(conn, dialectNamed(conn.dialect), sql, names, settings.concurrently);
    await stateStoreOf(conn).ensureSchema();
    const store = viewStoreOf(conn);
    await declarePolicies(store, resolved, settings);
    const results = await refreshAll({ conn, sql, settings, json, io, signal, quit }, resolved);
    if (json) io.out(refreshJson(results, await store.summaries()));
    return signal.aborted ? interrupted(io, json, resolved, results) : exitCodeOf(results);
  } finally {
    // After a second signal the refresh's end (its error, or its result) is not this run's outcome: exit 130.
    if (quit.pending !== undefined) await quit.pending;
    await conn.close();
    dispose();
  }
}
