/**
 * Rollback drops the user mapping of the role that ran the plan (recorded by the forward step),
 * never the mapping of whoever runs the rollback: here the plan runs as postgres and is rolled back
 * as another role, which has a mapping of its own on the same server (real PostgreSQL, two roles).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/index.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const ROLE = `schemashift_rollback_${process.pid}_${Date.now() % 100000}`;
const options = { answers: { yes: true }, signal: new AbortController().signal, command: (v: string) => v };

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl! });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}

describe.skipIf(!postgresAdminUrl)('rollback of a user mapping as another role (real PostgreSQL)', () => {
  let remote: TestDatabase;
  let db: TestDatabase;
  let plan: CompiledPlan;
  beforeAll(async () => {
    await admin(`CREATE ROLE ${ROLE} LOGIN SUPERUSER`);
    remote = await createPostgresDatabase('schemashift_mapping_role_remote');
    await remote.exec('CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)');
    db = await createPostgresDatabase('schemashift_mapping_role_local');
    await db.exec('CREATE EXTENSION postgres_fdw');
    plan = compilePlan(
      await parsePlan(
        'mapping-role.yaml',
        `name: mapping-role
phases:
  expand:
    - create_materialized_view:
        name: second_users
        source: { server: stats_db, via: postgres_fdw, url_env: STATS_URL, tables: [users] }
        query: SELECT id, name FROM users
`,
      ),
    );
  });
  afterAll(async () => {
    await db?.close();
    await remote?.close();
    await admin(`DROP ROLE IF EXISTS ${ROLE}`);
  });

  const mappings = () =>
    db.query<{ usename: string }>("SELECT usename::text FROM pg_user_mappings WHERE srvname = 'stats_db' ORDER BY 1");

  it("drops the running role's mapping, not the rolling-back role's own", async () => {
    const runner = await connect(db.url!);
    try {
      const env = { STATS_URL: remote.url! };
      const run = await runPlan(runner, plan, { ...options, mode: 'run', acceptDrift: false, emit: () => {}, env });
      expect(run).toEqual({ kind: 'done' });
    } finally {
      await runner.close();
    }
    const [step] = await db.query<{ checkpoint: { mapped_role?: string } }>(
      "SELECT checkpoint FROM schemashift.steps WHERE step_id LIKE '%/user-mapping'",
    );
    const runRole = (await db.query<{ u: string }>('SELECT current_user::text AS u'))[0]!.u;
    expect(step?.checkpoint.mapped_role).toBe(runRole);
    await db.exec(`CREATE USER MAPPING FOR ${ROLE} SERVER stats_db OPTIONS (user 'someone')`);
    expect((await mappings()).map((m) => m.usename)).toEqual([runRole, ROLE].sort());

    const other = await connect(asRole(db.url!, ROLE));
    try {
      // The server cannot go while the other role's mapping (not the plan's) is on it: refused, that mapping kept.
      await expect(rollbackPlan(other, plan, { ...options, emit: () => {} })).rejects.toThrow(
        /cannot drop server stats_db because other objects depend on it/,
      );
    } finally {
      await other.close();
    }
    expect((await mappings()).map((m) => m.usename)).toEqual([ROLE]);
  }, 60_000);

  it('refuses to guess when the role was not recorded, and drops no mapping', async () => {
    const local = await createPostgresDatabase('schemashift_mapping_role_unknown');
    const conn = await connect(local.url!);
    try {
      await local.exec('CREATE EXTENSION postgres_fdw');
      const env = { STATS_URL: remote.url! };
      const run = await runPlan(conn, plan, { ...options, mode: 'run', acceptDrift: false, emit: () => {}, env });
      expect(run).toEqual({ kind: 'done' });
      await local.exec("UPDATE schemashift.steps SET checkpoint = NULL WHERE step_id LIKE '%/user-mapping'");
      await expect(rollbackPlan(conn, plan, { ...options, emit: () => {} })).rejects.toThrow(
        /the role whose user mapping on server stats_db .* created was not recorded/,
      );
      const left = await local.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_user_mappings WHERE srvname = 'stats_db'",
      );
      expect(left[0]!.n).toBe(1);
    } finally {
      await conn.close();
      await local.close();
    }
  }, 60_000);
});
