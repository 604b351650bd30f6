/** A plan is written for one database: running it on another would send statements that mean something else there. */
import type { DialectName } from '../dialects/dialect.js';
import { UsageError } from '../errors.js';

const DATABASE_NAMES: Record<DialectName, string> = { postgres: 'PostgreSQL', mssql: 'SQL Server' };

export interface DialectTarget {
  dialect: DialectName;
  /** Where the plan would run, without a password. */
  displayUrl: string;
}

/** Throws UsageError (exit 2) naming both when `plan` is not written for the database at `target`. */
export function refuseDialectMismatch(plan: { name: string; dialect: DialectName }, target: DialectTarget): void {
  if (plan.dialect === target.dialect) return;
  const planDb = DATABASE_NAMES[plan.dialect];
  const targetDb = DATABASE_NAMES[target.dialect];
  throw new UsageError(
    `plan ${plan.name} declares ` +
      `dialect: ${plan.dialect} (${planDb}), but ${target.displayUrl} is a ${targetDb} database: nothing was run`,
    `point --database / DATABASE_URL at the ${planDb} database the plan is for, or write the plan ` +
      `for ${targetDb} (dialect: ${target.dialect})`,
    'dialect-mismatch',
  );
}
