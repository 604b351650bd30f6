/**
 * Kept for callers that predate the dialect seam (doctor): new code calls
 * `dialect.introspect.serverInfo` with the dialect it was given.
 */
import type { Queryable } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ServerSession } from '../dialects/introspect.js';
import { dialectNamed } from '../dialects/registry.js';

export function readServerInfo(db: Queryable, dialect: Dialect = dialectNamed('postgres')): Promise<ServerSession> {
  return dialect.introspect.serverInfo(db);
}
