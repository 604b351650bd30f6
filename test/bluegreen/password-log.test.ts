/**
 * With log_statement = all, PostgreSQL logs a statement's bind parameters too: the password in
 * BLUE_REPLICATION_URL, sent as a bind parameter for CREATE SUBSCRIPTION, must still not reach green's
 * server log (the runner, a superuser, sets log_parameter_max_length = 0 in that transaction).
 */
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalClusterUnavailable } from '../support/logical-cluster.js';
import { PASSWORD, planText, replicationObjects, startPair, type Pair } from './bluegreen-support.js';

const unavailable = logicalClusterUnavailable();
if (unavailable) console.warn(`blue/green password-in-log test skipped: ${unavailable}`);

async function serverLog(pair: Pair): Promise<string> {
  const data = await pair.green.sql<{ d: string }>('postgres', `SELECT current_setting('data_directory') AS d`);
  const file = join(dirname(data[0]?.d ?? ''), 'log');
  const rows = await pair.green.sql<{ text: string }>('postgres', `SELECT pg_read_file($1) AS text`, [file]);
  return rows[0]?.text ?? '';
}

describe.skipIf(unavailable !== null)('blue/green: the password stays out of the server log', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_log'));
    for (const c of [pair.green, pair.blue]) {
      await c.sql('postgres', `ALTER SYSTEM SET log_statement = 'all'`);
      await c.sql('postgres', `ALTER SYSTEM SET log_min_duration_statement = 0`);
      await c.sql('postgres', `SELECT pg_reload_conf()`);
    }
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('replicate with log_statement = all logs the bind, not its parameters', async () => {
    const result = await pair.run(['advance', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await replicationObjects(pair.green)).toEqual(['subscription ss_fwd_bg_log']);
    const log = await serverLog(pair);
    expect(log).toContain('schemashift.subscription_conninfo');
    expect(log).not.toContain(PASSWORD);
  }, 120_000);
});
