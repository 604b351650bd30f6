/**
 * SQL Server connection options, from URL query parameters (`sqlserver://u:p@host:1433/db?encrypt=true`)
 * or from the JDBC form (`sqlserver://host:1433;databaseName=db;user=u;password={p}`).
 */
import type { UsageError } from '../errors.js';

export interface MssqlSettings {
  readonly encrypt: boolean;
  readonly trustServerCertificate: boolean;
  readonly instanceName?: string;
  /** From `connectTimeout` / `loginTimeout` (seconds in the URL). */
  readonly connectTimeoutMs?: number;
}

type Fail = (what: string) => UsageError;

const OPTION_NAMES = ['encrypt', 'trustServerCertificate', 'instanceName', 'connectTimeout', 'loginTimeout'];

function flag(name: string, value: string, fail: Fail): boolean {
  const v = value.toLowerCase();
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  throw fail(`option ${name} must be true or false, got "${value}"`);
}

function seconds(name: string, value: string, fail: Fail): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw fail(`option ${name} must be a whole number of seconds, got "${value}"`);
  return n * 1000;
}

/** Known options (names case-insensitive); anything else is refused so a typo is not silently ignored. */
export function parseMssqlOptions(params: Record<string, string>, fail: Fail): MssqlSettings {
  let settings: MssqlSettings = { encrypt: true, trustServerCertificate: false };
  for (const [key, value] of Object.entries(params)) {
    const name = OPTION_NAMES.find((o) => o.toLowerCase() === key.toLowerCase());
    if (name === 'encrypt') settings = { ...settings, encrypt: flag(name, value, fail) };
    else if (name === 'trustServerCertificate')
      settings = { ...settings, trustServerCertificate: flag(name, value, fail) };
    else if (name === 'instanceName') settings = { ...settings, instanceName: value };
    else if (name) settings = { ...settings, connectTimeoutMs: seconds(name, value, fail) };
    else throw fail(`unknown SQL Server option "${key}" (known: ${OPTION_NAMES.join(', ')})`);
  }
  return settings;
}

/** The value of a `{…}` starting at `start` (just after `{`), and the index after its closing `}`. */
function braced(text: string, start: number, key: string, fail: Fail): [string, number] {
  let value = '';
  for (let j = start; j < text.length; j++) {
    if (text[j] !== '}') value += text[j];
    else if (text[j + 1] === '}') value += text[++j];
    else return [value, j + 1];
  }
  throw fail(`unterminated {…} value for ${key}`);
}

/** Split `a=1;b={x;y}` into pairs, honouring `{…}` quoting (`}}` is a literal `}`). */
function keyValuePairs(text: string, fail: Fail): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) {
      if (text.slice(i).trim() === '') break;
      throw fail(`expected key=value in "${text.slice(i).split(';')[0]}"`);
    }
    const key = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 1;
    if (text[j] === '{') {
      [value, j] = braced(text, j + 1, key, fail);
    } else {
      const end = text.indexOf(';', j);
      value = text.slice(j, end < 0 ? text.length : end);
      j = end < 0 ? text.length : end;
    }
    pairs.push([key, value]);
    i = text[j] === ';' ? j + 1 : j;
  }
  return pairs;
}

export interface JdbcTarget extends MssqlSettings {
  host: string;
  port: number | null;
  database: string | undefined;
  user: string | undefined;
  password: string | undefined;
}

const SERVER_KEYS: Record<string, 'database' | 'user' | 'password' | 'port' | 'host'> = {
  databasename: 'database',
  database: 'database',
  user: 'user',
  username: 'user',
  password: 'password',
  portnumber: 'port',
  port: 'port',
  servername: 'host',
};

/** `rest` is the text after `sqlserver://`: `host[\instance][:port];key=value;…`. */
export function parseJdbcStyle(rest: string, fail: Fail): JdbcTarget {
  const semi = rest.indexOf(';');
  const [hostPart = '', portPart] = rest.slice(0, semi).split(':');
  const [host, instance] = hostPart.split('\\');
  const found: Partial<Record<'database' | 'user' | 'password' | 'port' | 'host', string | undefined>> = {
    host,
    port: portPart,
  };
  const options: Record<string, string> = instance ? { instanceName: instance } : {};
  for (const [key, value] of keyValuePairs(rest.slice(semi + 1), fail)) {
    const field = SERVER_KEYS[key.toLowerCase()];
    if (field) found[field] = value;
    else options[key] = value;
  }
  const settings = parseMssqlOptions(options, fail);
  const port = found.port ? Number(found.port) : settings.instanceName ? null : 1433;
  if (port !== null && (!Number.isInteger(port) || port <= 0 || port > 65535))
    throw fail(`invalid port "${found.port}"`);
  return {
    ...settings,
    host: found.host || 'localhost',
    port,
    database: found.database,
    user: found.user,
    password: found.password,
  };
}
