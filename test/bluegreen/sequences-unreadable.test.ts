/**
 * Sequences at the switch: one the runner's role cannot read (pg_sequences shows NULL for it, as for a
 * sequence never used) is refused by name, not silently skipped; a never-used one is skipped.
 * Real PostgreSQL (the shared server): a role without SELECT on the sequence plays the runner on "blue".
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { postgresReplication } from '../../src/dialects/postgres/replication.js';
import { copySequences } from '../../src/runner/replication/sequences.js';
import type { Sides } from '../../src/runner/replication/sides.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

describe.skipIf(!postgresAdminUrl)('blue/green: sequences the runner cannot read', () => {
  let db: TestDatabase;
  let admin: Connection;
  let limited: Connection;
  const role = `ss_noseq_${process.pid}`;
  const sides = {
    ctx: { dialect: postgres, emit: () => undefined },
    step: { id: 'switch:test' },
    sql: postgresReplication,
  };

  beforeAll(async () => {
    db = await createPostgresDatabase('ss_seq_read');
    await db.exec(`CREATE TABLE used (id serial PRIMARY KEY); INSERT INTO used DEFAULT VALUES;
      CREATE TABLE unused (id serial PRIMARY KEY);
      DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN; GRANT SELECT ON used, unused TO ${role};
      GRANT SELECT ON SEQUENCE unused_id_seq TO ${role}`);
    admin = await connect(db.url!);
    const url = new URL(db.url!);
    url.username = role;
    url.password = '';
    limited = await connect(url.toString());
  });
  afterAll(async () => {
    await limited?.close();
    await admin?.close();
    await db?.close();
    const c = new pg.Client({ connectionString: postgresAdminUrl! });
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${role}`).finally(() => c.end());
  });

  it('refuses an unreadable sequence by name', async () => {
    await expect(
      copySequences(sides as unknown as Sides, { db: limited, side: 'blue' }, { db: admin, side: 'green' }, [
        { schema: 'public', name: 'used' },
      ]),
    ).rejects.toThrow(/blue: the runner's role cannot read sequence public\.used_id_seq/);
  });

  it('skips a readable sequence that was never used', async () => {
    await copySequences(sides as unknown as Sides, { db: limited, side: 'blue' }, { db: admin, side: 'green' }, [
      { schema: 'public', name: 'unused' },
    ]);
    const rows = await admin.query<{ is_called: boolean }>('SELECT is_called FROM unused_id_seq');
    expect(rows.rows[0]?.is_called).toBe(false);
  });
});
