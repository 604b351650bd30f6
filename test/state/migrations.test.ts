/** State migration 4: a state written by an older release gains `steps.adopted` (false for every existing row). */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { STATE_MIGRATIONS, STATE_VERSION } from '../../src/dialects/postgres/state-migrations.js';

describe('state migrations (PGlite)', () => {
  it('upgrades a version 3 state: existing step rows are not adopted', async () => {
    const conn = await connect('pglite://memory');
    try {
      await conn.exec(
        'CREATE SCHEMA schemashift; CREATE TABLE schemashift.state_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const m of STATE_MIGRATIONS.filter((m) => m.version <= 3)) {
        await conn.exec(m.sql);
        await conn.query('INSERT INTO schemashift.state_version (version) VALUES ($1)', [m.version]);
      }
      await conn.exec(`INSERT INTO schemashift.runs (plan_name, plan_file, plan_hash, status, started_by_user, started_by_host, started_by_pid) VALUES ('old', 'old.yaml', 'h', 'done', 'u', 'h', 1);
        INSERT INTO schemashift.steps (plan_name, step_id, ordinal, phase, kind, summary, entry_id, entry_hash, status) VALUES ('old', 's', 0, 'expand', 'sql', 'x', 's', 'h', 'done')`);
      const store = postgres.state.openStore(conn);
      await store.ensureSchema();
      expect(STATE_VERSION).toBeGreaterThanOrEqual(4);
      expect(
        (await conn.query<{ v: number }>('SELECT max(version) AS v FROM schemashift.state_version')).rows[0]?.v,
      ).toBe(STATE_VERSION);
      expect((await store.getSteps('old')).map((s) => s.adopted)).toEqual([false]);
      await store.setStep('old', 's', { adopted: true });
      expect((await store.getSteps('old'))[0]?.adopted).toBe(true);
    } finally {
      await conn.close();
    }
  });
});
