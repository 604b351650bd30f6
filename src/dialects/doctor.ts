/** The doctor part of a dialect: the preflight checks `schemashift doctor` runs on its servers. */
import type { Queryable } from '../db/connection.js';
import type { CapabilityRow, DoctorCheck } from '../doctor/types.js';
import type { ServerInfo } from '../introspect/live-schema.js';

export interface DoctorChecks {
  /** The server's product name, for the report's title line (`PostgreSQL`). */
  readonly product: string;
  /** Every check, in report order. */
  readonly checks: readonly DoctorCheck[];
  /** The fix shown for a check that could not run (usually a missing privilege). */
  readonly cannotCheckFix: string;
  /** The server's version, read once before the checks run. */
  serverInfo(db: Queryable): Promise<ServerInfo>;
  /** The version-dependent features schemashift uses, and whether this server has them. */
  capabilities(server: ServerInfo): CapabilityRow[];
}
