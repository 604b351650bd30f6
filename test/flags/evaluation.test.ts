/**
 * What applications see: @microsoft/feature-management's own FeatureManager over what each store
 * wrote. At every stage the enabled share of 10,000 users is the stage's percentage (±2 points),
 * and Targeting is sticky: the same user keeps the same answer, and a user in at 10% stays in at 50%.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationObjectFeatureFlagProvider, FeatureManager } from '@microsoft/feature-management';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/connection.js';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';
import { TableFlagStore } from '../../src/flags/table-store.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { backfillEngines, type OpenDatabase } from '../runner/support.js';
import { parseFlagsJson } from '../support/flags-json.js';

const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${i}@example.com`);
const FLAG = 'UseNewCustomerIdColumn';

async function enabledUsers(config: Record<string, unknown>): Promise<Set<string>> {
  const manager = new FeatureManager(new ConfigurationObjectFeatureFlagProvider(config));
  const on = new Set<string>();
  for (const userId of USERS) if (await manager.isEnabled(FLAG, { userId })) on.add(userId);
  return on;
}

/** Through 10 → 50 → 100 and back to 0, checking share, stickiness and monotonicity at each stage. */
async function checkStages(
  set: (percent: number) => Promise<void>,
  read: () => Promise<Record<string, unknown>>,
): Promise<string[]> {
  const shares: string[] = [];
  let previous = new Set<string>();
  for (const stage of [10, 50, 100]) {
    await set(stage);
    const on = await enabledUsers(await read());
    const share = (on.size / USERS.length) * 100;
    shares.push(`${stage}%→${share.toFixed(2)}%`);
    expect(Math.abs(share - stage), `share at ${stage}%`).toBeLessThanOrEqual(2);
    expect(await enabledUsers(await read()), `re-evaluated at ${stage}%`).toEqual(on);
    expect(
      [...previous].filter((u) => !on.has(u)),
      `users dropped going to ${stage}%`,
    ).toEqual([]);
    previous = on;
  }
  await set(0);
  expect((await enabledUsers(await read())).size).toBe(0);
  return shares;
}

describe('a rollout as the library evaluates it', () => {
  it('JSON file store', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'schemashift-eval-')), 'feature-flags.json');
    const store = new JsonFileFlagStore(file);
    const shares = await checkStages(
      async (p) => void (await store.setPercentage(FLAG, p, 'targeting', 'test')),
      () => Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>),
    );
    console.log(`file store, 10,000 users: ${shares.join(', ')}`);
  });

  it('0% is off even for users the Audience names; back at 10% they are on again', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'schemashift-eval-')), 'feature-flags.json');
    const store = new JsonFileFlagStore(file);
    await store.setPercentage(FLAG, 10, 'targeting', 'test');
    const doc = parseFlagsJson(readFileSync(file, 'utf8'));
    doc.feature_management.feature_flags[0].conditions.client_filters[0].parameters.Audience.Users = ['vip'];
    (await import('node:fs')).writeFileSync(file, JSON.stringify(doc));
    const manager = () =>
      Promise.resolve(
        new FeatureManager(
          new ConfigurationObjectFeatureFlagProvider(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>),
        ),
      );
    expect(await (await manager()).isEnabled(FLAG, { userId: 'vip' })).toBe(true);
    await store.setPercentage(FLAG, 0, 'targeting', 'test');
    expect(await (await manager()).isEnabled(FLAG, { userId: 'vip' })).toBe(false);
    await store.setPercentage(FLAG, 10, 'targeting', 'test');
    expect(await (await manager()).isEnabled(FLAG, { userId: 'vip' })).toBe(true);
  });
});

describe.each(backfillEngines)('table store read back into the library ($name)', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
  });
  afterAll(async () => db?.close());

  it('shares, stickiness and monotonic stages; one row per flag with who and when', async () => {
    const table = 'schemashift.feature_flags';
    const shares = await checkStages(
      (p) =>
        conn.session(
          async (s) =>
            void (await new TableFlagStore(s, table, postgres.state).setPercentage(
              FLAG,
              p,
              'targeting',
              'tester@host',
            )),
        ),
      async () => ({
        feature_management: {
          feature_flags: (await conn.query<{ definition: unknown }>(`SELECT definition FROM ${table}`)).rows.map(
            (r) => r.definition,
          ),
        },
      }),
    );
    console.log(`table store (${engine.name}), 10,000 users: ${shares.join(', ')}`);
    const rows = (
      await conn.query<{ id: string; updated_by: string; updated_at: Date }>(
        `SELECT id, updated_by, updated_at FROM ${table}`,
      )
    ).rows;
    expect(rows).toMatchObject([{ id: FLAG, updated_by: 'tester@host' }]);
  });

  it('a table named in settings.flags is created with the same columns', async () => {
    await conn.session(
      async (s) =>
        void (await new TableFlagStore(s, 'app_config.flags', postgres.state).setPercentage(
          'Other',
          25,
          'percentage',
          'me',
        )),
    );
    const columns = (
      await conn.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'app_config' AND table_name = 'flags' ORDER BY ordinal_position",
      )
    ).rows;
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'definition', 'updated_at', 'updated_by']);
    expect(await new TableFlagStore(conn, 'app_config.flags', postgres.state).get('Other')).toEqual({
      id: 'Other',
      enabled: true,
      conditions: {
        requirement_type: 'All',
        client_filters: [{ name: 'Microsoft.Percentage', parameters: { Value: 25 } }],
      },
    });
    expect(await new TableFlagStore(conn, 'nowhere.flags', postgres.state).list()).toEqual([]);
  });
});
