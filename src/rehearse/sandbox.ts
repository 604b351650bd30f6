/**
 * Throwaway databases for a rehearsal: an in-memory PGlite each (the default), or a scratch database
 * CREATEd with a unique name on a PostgreSQL server (yours with --database, or a testcontainers one
 * with --container) or, for a SQL Server plan, on the SQL Server given with --database, and DROPped
 * afterwards, whatever happens.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from '../db/connection.js';
import { parseDatabaseUrl } from '../db/url.js';
import type { Dialect } from '../dialects/dialect.js';
import { UsageError } from '../errors.js';

/** How a sandbox opens connections: `connect` from src/db, given by the command. */
export type Connector = (url: string, options: { applicationName: string }) => Promise<Connection>;

/** What every sandbox needs from its command. */
export interface SandboxDeps {
  connect: Connector;
  /** Makes and drops the scratch databases on a server. */
  dialect: Dialect;
  applicationName: string;
}

export interface Scratch {
  conn: Connection;
  /** How the report names it: `pglite://memory`, or the scratch database's name. */
  name: string;
  drop(): Promise<void>;
}

export interface Sandbox {
  /** Where scratch databases come from, for the report (never with a password). */
  describe: string;
  open(label: string): Promise<Scratch>;
  /** Drop every scratch database still there (and stop the container); safe to call more than once. */
  dispose(): Promise<void>;
}

/** Scratch database names start with this, so a leftover (after kill -9) is easy to recognise. */
export const SCRATCH_PREFIX = 'schemashift_rehearse_';
export const CONTAINER_IMAGE = 'postgres:17-alpine';

export function pgliteSandbox({ connect, applicationName }: SandboxDeps): Sandbox {
  const live = new Set<Connection>();
  const close = async (conn: Connection) => {
    if (live.delete(conn)) await conn.close().catch(() => undefined);
  };
  return {
    describe: 'pglite://memory (embedded PostgreSQL, a fresh one per copy)',
    async open() {
      const conn = await connect('pglite://memory', { applicationName });
      live.add(conn);
      return { conn, name: 'pglite://memory', drop: () => close(conn) };
    },
    async dispose() {
      await Promise.all([...live].map(close));
    },
  };
}

export function scratchName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 12);
  return `${SCRATCH_PREFIX}${safe}_${Date.now().toString(36)}_${process.pid}_${randomBytes(2).toString('hex')}`;
}

/** SQL Server's JDBC form (`sqlserver://host:1433;databaseName=db;…`), as src/db/url.ts recognises it. */
function isJdbcStyle(url: string): boolean {
  const rest = url.slice(url.indexOf('://') + 3);
  const semi = rest.indexOf(';');
  return semi >= 0 && !/[@/?]/.test(rest.slice(0, semi));
}

/** The admin URL pointed at `database` (a scratch name: lower-case letters, digits and `_` only). */
export function databaseUrl(serverUrl: string, database: string): string {
  // A later databaseName= wins over an earlier one (src/db/mssql-url.ts reads the pairs in order).
  if (parseDatabaseUrl(serverUrl).scheme === 'mssql' && isJdbcStyle(serverUrl))
    return `${serverUrl.replace(/;\s*$/, '')};databaseName=${database}`;
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

const SERVER_KINDS = {
  postgres: { scheme: 'postgres', what: 'a PostgreSQL server', form: 'a postgres:// URL' },
  mssql: { scheme: 'mssql', what: 'a SQL Server', form: 'a sqlserver:// URL' },
} as const;

/** Scratch databases on the server at `url` (its own database is only used to CREATE and DROP them). */
export async function serverSandbox(deps: SandboxDeps, url: string, stop?: () => Promise<void>): Promise<Sandbox> {
  const { connect, applicationName } = deps;
  const target = parseDatabaseUrl(url);
  const server = SERVER_KINDS[deps.dialect.name === 'mssql' ? 'mssql' : 'postgres'];
  if (target.scheme !== server.scheme) {
    throw new UsageError(
      `--database ${target.displayUrl}: a rehearsal creates scratch databases, which needs ${server.what}`,
      deps.dialect.name === 'mssql'
        ? `pass ${server.form} of a SQL Server where this login may create databases`
        : 'pass a postgres:// URL, or leave --database out to rehearse on an embedded PGlite',
    );
  }
  const admin = await connect(url, { applicationName });
  const scratch = await deps.dialect.introspect.rehearsal.scratchDatabases(admin);
  const live = new Map<string, Connection | null>();
  // Dropped first, with its sessions terminated: closing a pool waits for a busy session's statement.
  const drop = async (name: string) => {
    if (!live.has(name)) return;
    const conn = live.get(name);
    live.delete(name);
    await scratch.drop(name);
    await conn?.close().catch(() => undefined);
  };
  let disposed: Promise<void> | undefined;
  return {
    describe: `scratch databases (${SCRATCH_PREFIX}…, dropped afterwards) on the server of ${target.displayUrl}`,
    async open(label) {
      if (disposed) throw new UsageError('the rehearsal is stopping: no new scratch database is created');
      const name = scratchName(label);
      await scratch.create(name, target.displayUrl);
      live.set(name, null);
      try {
        const conn = await connect(databaseUrl(url, name), { applicationName });
        live.set(name, conn);
        return { conn, name, drop: () => drop(name) };
      } catch (e) {
        await drop(name);
        throw e;
      }
    },
    dispose: () =>
      (disposed ??= (async () => {
        try {
          for (const name of [...live.keys()]) await drop(name);
        } finally {
          await admin.close().catch(() => undefined);
          await stop?.();
        }
      })()),
  };
}

/** A PostgreSQL container, when a Docker engine answers; said plainly (exit 2) when none does. */
export async function containerSandbox(deps: SandboxDeps): Promise<Sandbox> {
  const hint =
    'start Docker (or point DOCKER_HOST at an engine), or rehearse on the embedded PGlite (the default) or ' +
    'on a server with --database URL';
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
  } catch {
    throw new UsageError(
      '--container needs the testcontainers packages, which are not installed',
      `npm install testcontainers @testcontainers/postgresql, or ${hint.slice(hint.indexOf('rehearse'))}`,
    );
  }
  try {
    await testcontainers.getContainerRuntimeClient();
  } catch (e) {
    throw new UsageError(`--container: no Docker engine answers (${(e as Error).message.split('\n')[0]})`, hint);
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(CONTAINER_IMAGE).start();
  return serverSandbox(deps, container.getConnectionUri(), async () => void (await container.stop()));
}
