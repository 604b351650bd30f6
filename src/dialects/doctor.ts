/** The doctor part of a dialect: the preflight checks `schemashift doctor` runs on its servers. */
import type { DoctorCheck } from '../doctor/types.js';

export interface DoctorChecks {
  /** The server's product name, for the report's title line (`PostgreSQL`). */
  readonly product: string;
  /** Every check, in report order. */
  readonly checks: readonly DoctorCheck[];
  /** The fix shown for a check that could not run (usually a missing privilege). */
  readonly cannotCheckFix: string;
}
