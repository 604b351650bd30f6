/**
 * Feature flags in SQL Server, on a real server (skipped, with global-setup's loud line, where none
 * answers): the default table comes with the state schema; another is created once even by two
 * writers at once; the compare-and-set writes over the text it read (however it was spaced) and
 * never over a change made since, a case-only change included; of two concurrent inserts exactly
 * one wins; a rollout through TableFlagStore round-trips; the app statements (schemashift/app) read
 * the flags and record a mismatch through a client that binds @p1….
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/index.js';
import { DatabaseFeatureFlagProvider } from '../../../src/app/database-feature-flag-provider.js';
import { databaseMismatchRecorder } from '../../../src/app/database-mismatch-recorder.js';
import type { Dialect } from '../../../src/dialects/dialect.js';
import { mssqlFlagTable } from '../../../src/dialects/mssql/flag-table.js';
import { mssqlState } from '../../../src/dialects/mssql/state.js';
import { MssqlStateStore } from '../../../src/dialects/mssql/state-store.js';
import { TableFlagStore } from '../../../src/flags/table-store.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

/** Only the state part is read by schemashift/app (app-registry.ts). */
const mssqlAppDialect = { state: mssqlState } as unknown as Dialect;

describe.skipIf(!mssqlAdminUrl)('SQL Server feature flags (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_flags');
    await new MssqlStateStore(db.conn).ensureSchema();
  });
  afterAll(() => db?.close());

  it('the default table exists with the state schema; create() on it is the idempotent upgrade', async () => {
    const table = mssqlFlagTable(db.conn, 'schemashift.feature_flags');
    expect(await table.exists()).toBe(true);
    await table.create();
    expect(await table.list()).toEqual([]);
  });

  it('another table, in a new schema with an awkward name, is created once by two writers at once', async () => {
    const name = "ops]x.rollout's";
    expect(await mssqlFlagTable(db.conn, name).exists()).toBe(false);
    const other = await connect(db.url);
    try {
      await Promise.all([mssqlFlagTable(db.conn, name).create(), mssqlFlagTable(other, name).create()]);
    } finally {
      await other.close();
    }
    const table = mssqlFlagTable(db.conn, name);
    expect(await table.exists()).toBe(true);
    expect(await table.insert('f', { id: 'f', enabled: true }, 'test')).toBe(true);
    expect(await table.read('f')).toEqual({ id: 'f', enabled: true });
  });

  it('compare-and-set: over hand-spaced text it read; never over a change since, not even a case-only one', async () => {
    const table = mssqlFlagTable(db.conn, 'schemashift.feature_flags');
    const spaced = '{ "id": "cas", "enabled": true,  "note": "On" }';
    await db.conn.query('INSERT INTO schemashift.feature_flags (id, definition, updated_by) VALUES ($1, $2, $3)', [
      'cas',
      spaced,
      'by hand',
    ]);
    const read = (await table.read('cas'))!;
    expect(await table.replace('cas', read, { ...read, enabled: false }, 'test')).toBe(true);
    const second = (await table.read('cas'))!;
    expect(second).toEqual({ id: 'cas', enabled: false, note: 'On' });
    // Someone changes only the case of a value: under the default case-insensitive collation the
    // texts compare equal, yet the compare-and-set must see the change.
    await db.conn.query('UPDATE schemashift.feature_flags SET definition = $2 WHERE id = $1', [
      'cas',
      JSON.stringify({ ...second, note: 'on' }),
    ]);
    expect(await table.replace('cas', second, { ...second, enabled: true }, 'test')).toBe(false);
    const { rows } = await db.conn.query<{ updated_by: string }>(
      'SELECT updated_by FROM schemashift.feature_flags WHERE id = $1',
      ['cas'],
    );
    expect(rows).toEqual([{ updated_by: 'test' }]);
  });

  it('of two concurrent inserts of one flag exactly one wins; a third is refused', async () => {
    const other = await connect(db.url);
    try {
      const results = await Promise.all([
        mssqlFlagTable(db.conn, 'schemashift.feature_flags').insert('race', { id: 'race', enabled: true }, 'a'),
        mssqlFlagTable(other, 'schemashift.feature_flags').insert('race', { id: 'race', enabled: false }, 'b'),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await other.close();
    }
    expect(await mssqlFlagTable(db.conn, 'schemashift.feature_flags').insert('race', { id: 'race' }, 'c')).toBe(false);
  });

  it('a rollout through TableFlagStore: created, raised, read back', async () => {
    const store = new TableFlagStore(db.conn, 'schemashift.feature_flags', mssqlState);
    const first = await store.setPercentage('new-checkout', 10, 'percentage', 'test');
    expect(first.before).toBeUndefined();
    const second = await store.setPercentage('new-checkout', 50, 'percentage', 'test');
    expect(second.before).toEqual(first.after);
    expect(await store.get('new-checkout')).toEqual(second.after);
  });

  it('schemashift/app reads the flags and records a mismatch through a client binding @p1…', async () => {
    // schemashift's own Connection stands in for the application's client: it binds params as @p1….
    const provider = new DatabaseFeatureFlagProvider(db.conn, { dialect: mssqlAppDialect, refreshIntervalMs: 60_000 });
    try {
      await provider.load();
      expect((await provider.getFeatureFlag('new-checkout'))?.enabled).toBe(true);
    } finally {
      provider.close();
    }
    const recorder = databaseMismatchRecorder(db.conn, { dialect: mssqlAppDialect });
    await recorder.record({
      kind: 'mismatch',
      repository: 'orders',
      method: 'findByCustomer',
      args: [42],
      mode: 'shadow-read',
      oldResult: [{ id: 1 }],
      newResult: [],
      at: new Date(),
    });
    const { rows } = await db.conn.query<{ repository: string; args: string; new_result: string }>(
      'SELECT repository, args, new_result FROM schemashift.shadow_mismatches',
    );
    expect(rows).toEqual([{ repository: 'orders', args: '[42]', new_result: '[]' }]);
  });
});
