/**
 * The drift guard of a metadata change in T-SQL, run in the step's own transaction before the change
 * is kept: unless the live value is the one the plan says the step replaces (or, when allowed, the
 * step's own target), THROW, and XACT_ABORT rolls everything back. Values are compared byte for byte
 * (a binary collation: the database's case-insensitive collation would take 'A' for 'a'); where the
 * plan's text is SQL (a default), the caller first has the server print it (sys.default_constraints).
 */
import { literal } from './sql-names.js';
import { throwSql } from './ddl-meta-sql.js';

export interface MssqlDriftGuard {
  /** For people: "the default of orders.status". */
  subject: string;
  /** Variables (nvarchar) holding the live value, the expected one and the target; NULL for none. */
  live: string;
  expected: string;
  target: string;
  targetOk: boolean;
  /** How an absent value (NULL) is shown: "none", "no comment". */
  none: string;
}

/** The variable the guard builds its message in; declare it (nvarchar(2048)) with the others. */
export const DRIFT_MESSAGE = '@drift';

/** Never UNKNOWN: `NOT (NULL = x)` would be UNKNOWN, and IF would then neither pass nor refuse. */
const same = (a: string, b: string): string =>
  `(CASE WHEN ${a} COLLATE Latin1_General_BIN2 = ${b} OR (${a} IS NULL AND ${b} IS NULL) THEN 1 ELSE 0 END = 1)`;

export function mssqlDriftGuardSql(g: MssqlDriftGuard): string {
  const shown = (v: string) => `ISNULL(${v}, ${literal(g.none)})`;
  const passes = g.targetOk ? `${same(g.live, g.expected)} OR ${same(g.live, g.target)}` : same(g.live, g.expected);
  const already = literal(
    `${g.subject} is already what this step sets: it was set before this plan, not by it; remove this step ` +
      '(there is nothing to change), or make the plan say what it replaces: ',
  );
  const drifted = literal(
    `${g.subject} changed since the plan was written; nothing was changed: find out who changed it, then put back ` +
      'what the step expects or make the plan say what is there now. Live, expected, target: ',
  );
  return [
    `IF NOT (${passes}) BEGIN`,
    `  IF ${same(g.live, g.target)} SET ${DRIFT_MESSAGE} = LEFT(CONCAT(${already}, ${shown(g.live)}), 2048)`,
    `  ELSE SET ${DRIFT_MESSAGE} = LEFT(CONCAT(${drifted}, ${shown(g.live)}, N' | ', ${shown(g.expected)}, N' | ', ` +
      `${shown(g.target)}), 2048);`,
    `  ${throwSql(DRIFT_MESSAGE)};`,
    'END',
  ].join('\n');
}
