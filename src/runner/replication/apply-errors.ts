/**
 * A subscription stuck on a row it cannot apply (a duplicate key written on the subscriber, a missing
 * column) retries every few seconds and counts each failure (pg_stat_subscription_stats, PostgreSQL 15+).
 * A count that grows while schemashift waits is that: the wait fails at once instead of at its timeout.
 */
import type { Queryable } from '../../db/connection.js';
import type { Sides } from './sides.js';

export type ErrorCheck = () => Promise<void>;

export async function applyErrorWatch(
  s: Sides,
  subscriber: Queryable,
  name: string,
  side: string,
): Promise<ErrorCheck> {
  const version = (await subscriber.query<{ version_num: number }>(s.sql.readiness)).rows[0]?.version_num ?? 0;
  const count = async () => {
    const statement = s.sql.applyErrors(name, version);
    if (!statement) return 0;
    const { rows } = await subscriber.query<{ errors: string }>(statement.sql, statement.params);
    return Number(rows[0]?.errors ?? 0);
  };
  const baseline = await count();
  return async () => {
    const errors = await count();
    if (errors > baseline)
      throw new Error(
        `subscription ${name} on ${side} reports ${errors - baseline} new apply or copy error(s); ` +
          `see ${side}'s server log`,
      );
  };
}
