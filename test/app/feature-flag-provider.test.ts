import { FeatureManager } from '@microsoft/feature-management';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseFeatureFlagProvider, PercentageFilter, type SqlClient } from '../../src/app/index.js';
import { appEngines, eventually, seededRandom, type AppDatabase } from './support.js';

function targeting(id: string, percent: number) {
  return {
    id,
    enabled: true,
    conditions: {
      client_filters: [
        {
          name: 'Microsoft.Targeting',
          parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: percent } },
        },
      ],
    },
  };
}

/** The application's client, counting the queries that reach the database. */
function counting(client: SqlClient): SqlClient & { count: number } {
  const counter = {
    count: 0,
    query: (text: string, params?: unknown[]) => (counter.count++, client.query(text, params)),
  };
  return counter;
}

describe.each(appEngines)('DatabaseFeatureFlagProvider on $name', ({ create }) => {
  let db: AppDatabase;
  const setFlag = (id: string, definition: unknown) =>
    db.sql(
      `INSERT INTO schemashift.feature_flags (id, definition, updated_by) VALUES ($1, $2::jsonb, 'test')
            ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
      [id, JSON.stringify(definition)],
    );
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());
  beforeEach(() => db.sql('DELETE FROM schemashift.feature_flags'));

  it('evaluates a Targeting flag at 30% from a row: 30% ± 2 of 10,000 users, sticky, with one query for 20,000 evaluations', async () => {
    await setFlag('UseNewCustomerIdColumn', targeting('UseNewCustomerIdColumn', 30));
    const client = counting(db.client);
    const provider = new DatabaseFeatureFlagProvider(client, { refreshIntervalMs: 60_000 });
    const features = new FeatureManager(provider);
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const first = await Promise.all(users.map((userId) => features.isEnabled('UseNewCustomerIdColumn', { userId })));
    const again = await Promise.all(users.map((userId) => features.isEnabled('UseNewCustomerIdColumn', { userId })));
    const share = (first.filter(Boolean).length / users.length) * 100;
    console.log(
      `Targeting 30% from schemashift.feature_flags: ${share.toFixed(2)}% of 10,000 users enabled; ${client.count} query for 20,000 evaluations`,
    );
    expect(share).toBeGreaterThanOrEqual(28);
    expect(share).toBeLessThanOrEqual(32);
    expect(again).toEqual(first);
    expect(client.count).toBe(1);
    expect(await features.listFeatureNames()).toEqual(['UseNewCustomerIdColumn']);
    expect(await features.isEnabled('NoSuchFlag')).toBe(false);
    provider.close();
  });

  it('picks up a changed row after the refresh interval, in the background', async () => {
    await setFlag('Orders.ReadNew', { id: 'Orders.ReadNew', enabled: false });
    const client = counting(db.client);
    const provider = new DatabaseFeatureFlagProvider(client, { refreshIntervalMs: 100 });
    const features = new FeatureManager(provider);
    expect(await features.isEnabled('Orders.ReadNew')).toBe(false);
    await setFlag('Orders.ReadNew', { id: 'Orders.ReadNew', enabled: true });
    await eventually(() => features.isEnabled('Orders.ReadNew'));
    expect(client.count).toBeGreaterThan(1);
    provider.close();
    const afterClose = client.count;
    await new Promise((r) => setTimeout(r, 300));
    expect(client.count).toBe(afterClose);
    expect(await features.isEnabled('Orders.ReadNew')).toBe(true);
  });

  it('keeps the last good snapshot when a refresh fails, and reports it', async () => {
    await setFlag('Orders.DualWrite', { id: 'Orders.DualWrite', enabled: true });
    const errors: string[] = [];
    const provider = new DatabaseFeatureFlagProvider(db.client, {
      refreshIntervalMs: 50,
      onError: (e) => errors.push(e.message),
    });
    const features = new FeatureManager(provider);
    expect(await features.isEnabled('Orders.DualWrite')).toBe(true);
    await db.sql('ALTER TABLE schemashift.feature_flags RENAME TO feature_flags_away');
    try {
      await eventually(() => errors.length > 0);
      expect(errors[0]).toMatch(/reading feature flags failed: .*feature_flags/);
      expect(await features.isEnabled('Orders.DualWrite')).toBe(true);
    } finally {
      await db.sql('ALTER TABLE schemashift.feature_flags_away RENAME TO feature_flags');
      provider.close();
    }
  });

  it('skips a malformed row (keeping its last good definition) and reports it', async () => {
    await setFlag('Good', { id: 'Good', enabled: true });
    await setFlag('Broken', { id: 'Broken', enabled: 'yes' });
    const errors: string[] = [];
    const provider = new DatabaseFeatureFlagProvider(db.client, {
      refreshIntervalMs: 60_000,
      onError: (e) => errors.push(e.message),
    });
    const features = new FeatureManager(provider);
    expect(await features.isEnabled('Good')).toBe(true);
    expect(await features.isEnabled('Broken')).toBe(false);
    expect(errors).toEqual(['feature flag Broken: `enabled` must be true or false']);
    await setFlag('Good', { id: 'Good', enabled: true, conditions: { client_filters: 'Microsoft.Targeting' } });
    await provider.refresh();
    expect(await features.isEnabled('Good')).toBe(true);
    expect(errors.at(-1)).toBe('feature flag Good: `client_filters` must be an array');
    provider.close();
  });

  it('reads a configured table, and answers "off" (never throws) when the first load fails', async () => {
    await db.sql('CREATE TABLE IF NOT EXISTS public.my_flags (id text PRIMARY KEY, definition jsonb NOT NULL)');
    await db.sql(`INSERT INTO public.my_flags VALUES ('Mine', '{"enabled": true}') ON CONFLICT DO NOTHING`);
    const mine = new DatabaseFeatureFlagProvider(db.client, { table: 'public.my_flags' });
    expect(await new FeatureManager(mine).isEnabled('Mine')).toBe(true);
    mine.close();
    const errors: Error[] = [];
    const missing = new DatabaseFeatureFlagProvider(db.client, {
      table: 'no_such_table',
      onError: (e) => errors.push(e),
    });
    expect(await new FeatureManager(missing).isEnabled('Mine')).toBe(false);
    await expect(missing.load()).rejects.toThrow(/no_such_table/);
    expect(errors).toHaveLength(1);
    missing.close();
    expect(() => new DatabaseFeatureFlagProvider(db.client, { table: 'flags; DROP TABLE x' })).toThrow(
      /not a table name/,
    );
    expect(() => new DatabaseFeatureFlagProvider(db.client, { refreshIntervalMs: 0 })).toThrow(/positive/);
  });

  it('serves Microsoft.Percentage flags with the PercentageFilter: 25% ± 2 of 10,000 calls', async () => {
    await setFlag('Orders.ShadowRead', {
      id: 'Orders.ShadowRead',
      enabled: true,
      conditions: { client_filters: [{ name: 'Microsoft.Percentage', parameters: { Value: 25 } }] },
    });
    const provider = new DatabaseFeatureFlagProvider(db.client);
    const features = new FeatureManager(provider, {
      customFilters: [new PercentageFilter({ random: seededRandom(7) })],
    });
    let enabled = 0;
    for (let i = 0; i < 10_000; i++) if (await features.isEnabled('Orders.ShadowRead')) enabled++;
    console.log(`Microsoft.Percentage 25% through FeatureManager: ${(enabled / 100).toFixed(2)}% of 10,000 calls`);
    expect(enabled / 100).toBeGreaterThanOrEqual(23);
    expect(enabled / 100).toBeLessThanOrEqual(27);
    provider.close();
  });
});
