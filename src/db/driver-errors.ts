/** Driver errors (pg, PGlite, mssql/tedious, Node sockets) → DatabaseError with a fix and no password. */
import { DatabaseError } from '../errors.js';
import { redact } from './secrets.js';

export interface ErrorContext {
  /** The URL as given (only used to find and remove its password). */
  url: string;
  displayUrl: string;
  /** `host:port` or a directory: where we tried to connect. */
  endpoint: string;
  /** The driver's database's hints by error code, used when the server gave none. */
  hints?: Readonly<Record<string, (ctx: ErrorContext) => string>>;
}

interface DriverError {
  message?: unknown;
  code?: unknown;
  number?: unknown;
  detail?: unknown;
  hint?: unknown;
  severity?: unknown;
  errors?: unknown;
  originalError?: unknown;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  ESOCKET: 'could not open a socket',
  ETIMEOUT: 'timed out',
  EINSTLOOKUP: 'SQL Server instance lookup failed',
};

const ELOGIN_HINT = 'check the user and password in --database / DATABASE_URL (the password is never shown)';

function networkCode(e: DriverError): string | undefined {
  if (typeof e.code === 'string' && e.code in NETWORK) return e.code;
  // `localhost` resolving to ::1 and 127.0.0.1 fails with an AggregateError of one error per address.
  const first = Array.isArray(e.errors) ? (e.errors[0] as DriverError | undefined) : undefined;
  if (first && typeof first.code === 'string' && first.code in NETWORK) return first.code;
  return undefined;
}

function textOf(e: DriverError): string {
  const own = typeof e.message === 'string' ? e.message : '';
  if (own) return own;
  const first = Array.isArray(e.errors) ? (e.errors[0] as DriverError | undefined) : undefined;
  return typeof first?.message === 'string'
    ? first.message
    : e instanceof Error
      ? e.toString()
      : Object.prototype.toString.call(e);
}

function unreachable(reason: string, raw: string, ctx: ErrorContext, code?: string): DatabaseError {
  const hint =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `check the host name in --database / DATABASE_URL (${ctx.endpoint}) and that this machine can resolve it`
      : `check that the server is running and accepts connections on ${ctx.endpoint}, or fix --database / DATABASE_URL`;
  return new DatabaseError(
    `cannot connect to ${ctx.displayUrl}: ${reason} at ${ctx.endpoint} (${redact(raw, ctx.url)})`,
    hint,
    '08001',
  );
}

/** Map anything a driver threw. `connecting`: the error happened while opening the connection. */
export function toDatabaseError(error: unknown, ctx: ErrorContext, connecting = false): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as DriverError;
  const raw = textOf(e);
  const net = networkCode(e);
  if (net && (connecting || net !== 'ECONNRESET')) return unreachable(NETWORK[net]!, raw, ctx, net);
  if (connecting && /timeout|timed out/i.test(raw)) return unreachable('timed out', raw, ctx);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    const detail = typeof e.detail === 'string' && e.detail ? `\n${e.detail}` : '';
    const hint = typeof e.hint === 'string' && e.hint ? e.hint : ctx.hints?.[e.code]?.(ctx);
    return new DatabaseError(
      redact(raw + detail, ctx.url),
      hint === undefined ? undefined : redact(hint, ctx.url),
      e.code,
      typeof e.severity === 'string' ? e.severity : undefined,
    );
  }
  if (typeof e.number === 'number') return new DatabaseError(redact(raw, ctx.url), undefined, String(e.number));
  if (e.code === 'ELOGIN')
    return new DatabaseError(`cannot log in to ${ctx.displayUrl}: ${redact(raw, ctx.url)}`, ELOGIN_HINT, '28000');
  if (net === 'ECONNRESET' || /Connection terminated|connection.*closed|not queryable/i.test(raw)) {
    return new DatabaseError(
      `lost the connection to ${ctx.displayUrl}: ${redact(raw, ctx.url)}`,
      'run again to resume where it stopped',
      '08006',
    );
  }
  return new DatabaseError(redact(raw, ctx.url));
}
