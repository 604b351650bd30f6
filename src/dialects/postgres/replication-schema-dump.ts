/**
 * `replicate` with `schema: copy` in PostgreSQL: pg_dump --schema-only of the listed tables from blue,
 * run as a child process. The password reaches it only through PGPASSWORD in a child environment built
 * from scratch (no PGSERVICE, PGHOSTADDR or other libpq variable of the caller can redirect it), never
 * through its arguments; the connection is one quoted conninfo string, so no value can become an option.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../../errors.js';
import type { ResolvedConnection } from '../actions-foreign.js';
import type { SchemaDumpRequest } from '../replication.js';

const run = promisify(execFile);

/** How long pg_dump may take, and wait for a table's lock, before the step fails. */
const DUMP_TIMEOUT_MS = 10 * 60_000;
const LOCK_WAIT = '30s';

export const SCHEMA_COPY_TEXT =
  "copy the tables' schema to green (pg_dump --schema-only --no-owner --no-privileges, one transaction); a table " +
  'already there must match and be empty';

function binaryOf(env: NodeJS.ProcessEnv): string {
  return env.SCHEMASHIFT_PG_DUMP || 'pg_dump';
}

async function majorOf(bin: string, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const { stdout } = await run(bin, ['--version'], { env: childEnv(env), timeout: 30_000 });
    const match = /(\d+)(?:\.\d+)?/.exec(stdout);
    return match ? Number(match[1]) : 0;
  } catch {
    throw new UsageError(
      `replicate: schema: copy needs pg_dump, and ${bin} could not be run; nothing was created`,
      'install the PostgreSQL client (pg_dump) of blue’s major version or newer, or set SCHEMASHIFT_PG_DUMP to its path',
    );
  }
}

/** PATH and locale only: every libpq setting comes from the conninfo. */
function childEnv(env: NodeJS.ProcessEnv, password?: string): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
  const out: NodeJS.ProcessEnv = {};
  for (const key of keep) if (env[key] !== undefined) out[key] = env[key];
  if (password !== undefined) out.PGPASSWORD = password;
  return out;
}

function conninfo(c: ResolvedConnection): string {
  const value = (v: string) => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return [
    `host=${value(c.host)}`,
    `port=${value(c.port)}`,
    `user=${value(c.user)}`,
    `dbname=${value(c.dbname)}`,
    'connect_timeout=10',
  ].join(' ');
}

/** A pattern that matches exactly this schema and table (double quotes make every character literal). */
function exactPattern(t: { schema: string; name: string }): string {
  const quoted = (v: string) => `"${v.replaceAll('"', '""')}"`;
  return `${quoted(t.schema)}.${quoted(t.name)}`;
}

/** psql meta-commands (\restrict of newer pg_dump) are not SQL; they only ever start a line of their own. */
function sqlOnly(script: string): string {
  return script
    .split('\n')
    .filter((line) => !/^\\(restrict|unrestrict)\b/.test(line))
    .join('\n');
}

export async function dumpTablesSchema(r: SchemaDumpRequest): Promise<string> {
  const bin = binaryOf(r.env);
  const major = await majorOf(bin, r.env);
  const blueMajor = Math.floor(r.blueVersion / 10000);
  if (major < blueMajor)
    throw new UsageError(
      `replicate: ${bin} is version ${major}, older than blue (${blueMajor}); nothing was created`,
      `install pg_dump ${blueMajor} or newer and set SCHEMASHIFT_PG_DUMP to it`,
    );
  const args = ['--schema-only', '--no-owner', '--no-privileges', '--no-publications', '--no-subscriptions'];
  args.push(`--lock-wait-timeout=${LOCK_WAIT}`, '-d', conninfo(r.blue));
  for (const t of r.tables) args.push('-t', exactPattern(t));
  try {
    const { stdout } = await run(bin, args, {
      env: childEnv(r.env, r.blue.password ?? ''),
      maxBuffer: 64 * 1024 * 1024,
      timeout: DUMP_TIMEOUT_MS,
      ...(r.signal ? { signal: r.signal } : {}),
    });
    return sqlOnly(stdout);
  } catch (e) {
    const detail = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n')[0];
    throw new Error(`pg_dump of blue's schema failed: ${detail}`);
  }
}
