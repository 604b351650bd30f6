export {
  connect,
  DEFAULT_APPLICATION_NAME,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ConnectOptions,
  type Connection,
  type QueryResult,
  type Queryable,
  type Session,
} from './connection.js';
export { toDatabaseError, type ErrorContext } from './driver-errors.js';
export {
  ACCEPTED_FORMS,
  parseDatabaseUrl,
  resolveDatabaseUrl,
  type DatabaseScheme,
  type DatabaseTarget,
  type MssqlTarget,
  type PgliteTarget,
  type PostgresTarget,
} from './url.js';
export { maskUrl, passwordsIn, redact } from './secrets.js';
