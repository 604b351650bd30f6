/**
 * The URL of the other database a view reads (create_materialized_view `source.url_env`), read from
 * the environment when a plan runs or is validated against a database. Errors name the variable and
 * never quote its value (it holds a password); the password is registered as a secret, so that no
 * output of this process can print it from then on.
 */
import type { ResolvedConnection } from '../dialects/actions-foreign.js';
import { registerSecrets } from '../db/secrets.js';
import { UsageError } from '../errors.js';

const SHAPE = 'postgres://user:password@host:5432/dbname';

function invalid(env: string, problem: string): UsageError {
  // The value is never quoted: it holds a password.
  return new UsageError(
    `$${env} ${problem}`,
    `set ${env} to a URL of the other database, ${SHAPE} (percent-encode special characters of the password)`,
    'bad-source-url',
  );
}

function decoded(env: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(env, `has a badly percent-encoded ${what}`);
  }
}

/** The connection in the environment variable `env`; a UsageError (exit 2) that never echoes the value otherwise. */
export function connectionFromEnv(env: string, vars: NodeJS.ProcessEnv): ResolvedConnection {
  const value = vars[env];
  if (value === undefined || value === '')
    throw invalid(env, 'is not set: the plan connects to another database through it');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(env, 'is not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalid(env, `is not a postgres:// or postgresql:// URL (it is ${url.protocol}//…)`);
  }
  if (url.search !== '')
    throw invalid(
      env,
      "has query parameters (such as sslmode), which schemashift does not pass on: the server-side connection is built from host, port, database, user and password only; set the others through the servers' libpq environment",
    );
  const dbname = decoded(env, url.pathname.replace(/^\//, ''), 'database name');
  if (!url.hostname || !dbname || !url.username) throw invalid(env, 'lacks a host, a database name or a user name');
  const connection: ResolvedConnection = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port || '5432',
    dbname,
    user: decoded(env, url.username, 'user name'),
  };
  if (url.password) connection.password = decoded(env, url.password, 'password');
  registerSecrets(value);
  return connection;
}
