/**
 * Database URLs: which engine, where, and as whom. The password is kept off every enumerable field
 * (and off `displayUrl`), so logging a parsed target never prints it.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { parseJdbcStyle, parseMssqlOptions, type MssqlSettings } from './mssql-url.js';
import { maskUrl } from './secrets.js';

export { maskUrl, redact } from './secrets.js';

export type DatabaseScheme = 'postgres' | 'pglite' | 'mssql';

interface TargetBase {
  /** The URL as given. Not enumerable: it may hold the password. */
  readonly url: string;
  /** The URL with its password masked: the only form to show. */
  readonly displayUrl: string;
}

export interface PostgresTarget extends TargetBase {
  readonly scheme: 'postgres';
  readonly host: string;
  readonly port: number;
  readonly database: string | undefined;
  readonly user: string | undefined;
  /** Not enumerable. */
  readonly password?: string;
}

export interface PgliteTarget extends TargetBase {
  readonly scheme: 'pglite';
  /** Absolute data directory, or null for `pglite://memory`. */
  readonly dataDir: string | null;
}

export interface MssqlTarget extends TargetBase, MssqlSettings {
  readonly scheme: 'mssql';
  readonly host: string;
  /** null: an instance name without a port is looked up through SQL Server Browser. */
  readonly port: number | null;
  readonly database: string | undefined;
  readonly user: string | undefined;
  /** Not enumerable. */
  readonly password?: string;
}

export type DatabaseTarget = PostgresTarget | PgliteTarget | MssqlTarget;

export const ACCEPTED_FORMS = [
  'postgres://user:password@host:5432/database (or postgresql://)',
  'sqlserver://user:password@host:1433/database?encrypt=true&trustServerCertificate=false (or mssql://)',
  'pglite://memory',
  'pglite://./dir, pglite://dir (relative to the working directory) or pglite:///absolute/dir',
];

function badUrl(url: string, what: string): UsageError {
  return new UsageError(`${what}: ${maskUrl(url)}`, `use one of: ${ACCEPTED_FORMS.join('; ')}`, 'bad-database-url');
}

/** Attach the URL and password as non-enumerable properties (kept out of JSON and console output). */
function hidden<T extends object>(
  target: T,
  url: string,
  password?: string,
): T & { readonly url: string; readonly password?: string } {
  Object.defineProperty(target, 'url', { value: url, enumerable: false });
  if (password !== undefined) Object.defineProperty(target, 'password', { value: password, enumerable: false });
  return target as T & { readonly url: string; readonly password?: string };
}

function decode(url: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw badUrl(url, 'malformed percent-encoding in database URL');
  }
}

function parseUrlObject(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw badUrl(url, 'not a valid database URL (a password with special characters must be percent-encoded)');
  }
}

function parsePostgres(url: string): PostgresTarget {
  const u = parseUrlObject(url);
  const target = {
    scheme: 'postgres' as const,
    displayUrl: maskUrl(url),
    host: decode(url, u.hostname) || u.searchParams.get('host') || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    database: decode(url, u.pathname.replace(/^\//, '')) || undefined,
    user: u.username ? decode(url, u.username) : undefined,
  };
  return hidden(target, url, u.password ? decode(url, u.password) : undefined);
}

function parseMssql(url: string): MssqlTarget {
  const rest = url.slice(url.indexOf('://') + 3);
  const semi = rest.indexOf(';');
  if (semi >= 0 && !/[@/?]/.test(rest.slice(0, semi))) {
    const jdbc = parseJdbcStyle(rest, (what) => badUrl(url, what));
    const { password, ...shown } = jdbc;
    return hidden({ scheme: 'mssql' as const, displayUrl: maskUrl(url), ...shown }, url, password);
  }
  const u = parseUrlObject(url);
  const settings = parseMssqlOptions(Object.fromEntries(u.searchParams), (what) => badUrl(url, what));
  const target = {
    scheme: 'mssql' as const,
    displayUrl: maskUrl(url),
    host: decode(url, u.hostname) || 'localhost',
    port: u.port ? Number(u.port) : settings.instanceName ? null : 1433,
    database: decode(url, u.pathname.replace(/^\//, '')) || undefined,
    user: u.username ? decode(url, u.username) : undefined,
    ...settings,
  };
  return hidden(target, url, u.password ? decode(url, u.password) : undefined);
}

/**
 * PGlite is a folder on this machine: it has no users or passwords. A `user:password@` part (or a
 * `password=` parameter) would otherwise become part of the folder's name, and be shown with it.
 */
function refuseCredentials(url: string, path: string): void {
  const firstSegment = path.split('/')[0] ?? '';
  const userinfo = firstSegment.includes('@');
  if (!userinfo && !/(?<![A-Za-z0-9_])((?:ssl)?password|pwd)\s*=/i.test(path)) return;
  const shown = userinfo ? `pglite://****@${path.slice(firstSegment.lastIndexOf('@') + 1)}` : maskUrl(url);
  throw new UsageError(
    `a pglite URL takes no user name or password (PGlite is a folder on this machine): ${maskUrl(shown)}`,
    'write pglite://./dir (or pglite:///absolute/dir, pglite://memory) without credentials; for a server, ' +
      'use postgres://user:password@host:5432/db',
    'bad-database-url',
  );
}

function parsePglite(url: string, cwd: string): PgliteTarget {
  const path = url.replace(/^pglite:(\/\/)?/i, '');
  if (path === '' || path === '/') throw badUrl(url, 'pglite URL without a directory');
  refuseCredentials(url, path);
  const dataDir = path === 'memory' ? null : resolve(cwd, path);
  return hidden({ scheme: 'pglite' as const, displayUrl: maskUrl(url), dataDir }, url);
}

/** Parse a `--database` / `DATABASE_URL` value. Relative PGlite directories resolve against `cwd`. */
export function parseDatabaseUrl(url: string, cwd: string = process.cwd()): DatabaseTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase();
  if (scheme === undefined) throw badUrl(url, 'not a database URL (no scheme)');
  if (
    scheme !== 'pglite' &&
    !url
      .trim()
      .slice(scheme.length + 1)
      .startsWith('//')
  ) {
    throw badUrl(url, `database URL must start with ${scheme}://`);
  }
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return parsePostgres(url.trim());
    case 'sqlserver':
    case 'mssql':
      return parseMssql(url.trim());
    case 'pglite':
      return parsePglite(url.trim(), cwd);
    default:
      throw badUrl(url, `unsupported database URL scheme "${scheme}:"`);
  }
}

/** `--database` wins over `DATABASE_URL`. Neither given is a usage error that says how to give one. */
export function resolveDatabaseUrl(
  options: { database?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): string {
  const given = options.database?.trim() || env.DATABASE_URL?.trim();
  if (given) return given;
  throw new UsageError(
    'no database given',
    'pass --database URL or set DATABASE_URL, for example postgres://user@localhost:5432/app, ' +
      'sqlserver://user@host:1433/app or pglite://./.schemashift/db',
  );
}
