/**
 * add_primary_key: nullable key columns listed in set_not_null are made NOT NULL without a scan,
 * the unique index is built CONCURRENTLY, then attached USING INDEX under a guard that refuses a
 * second primary key or a nullable column. Inverse: only what this plan did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { checkPlanAgainstSchema, DEFAULT_DATABASE_CHECK_OPTIONS } from '../../src/lint/database/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, engines, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

const events = {
  table: 'app.events',
  name: 'events_pkey',
  columns: ['tenant_id', 'id'],
  set_not_null: ['tenant_id'],
  index_parameters: { storage_parameters: { fillfactor: 90 }, include: ['kind'] },
};

const sqlSteps = (steps: unknown[]) => steps as SqlStep[];

describe('add_primary_key SQL', () => {
  it('guard, the NOT NULL recipe for each listed column, the online build, then the attach', () => {
    const steps = sqlSteps(forward('add_primary_key', events));
    expect(steps.map((s) => s.id)).toEqual([
      'add_primary_key:test/guard',
      'add_primary_key:test/not-null-tenant_id',
      'add_primary_key:test/not-null-tenant_id/validate',
      'add_primary_key:test/not-null-tenant_id/set-not-null',
      'add_primary_key:test/not-null-tenant_id/drop-check',
      'add_primary_key:test',
      'add_primary_key:test/constraint',
    ]);
    const sql = sqlOf(steps);
    expect(sql[0]).toMatch(/^DO \$schemashift\$/);
    expect(sql[0]).toContain("attname IN ('id')");
    expect(sql.slice(1, 5)).toEqual([
      'ALTER TABLE app.events ADD CONSTRAINT events_pkey_tenant_id_not_null CHECK (tenant_id IS NOT NULL) NOT VALID',
      'ALTER TABLE app.events VALIDATE CONSTRAINT events_pkey_tenant_id_not_null',
      'ALTER TABLE app.events ALTER COLUMN tenant_id SET NOT NULL',
      'ALTER TABLE app.events DROP CONSTRAINT IF EXISTS events_pkey_tenant_id_not_null',
    ]);
    expect(sql[5]).toBe(
      'CREATE UNIQUE INDEX CONCURRENTLY events_pkey ON app.events (tenant_id, id) INCLUDE (kind) WITH (fillfactor = 90)',
    );
    expect(sql[6]).toContain("attname IN ('tenant_id', 'id')");
    expect(sql[6]).toMatch(
      /;\nALTER TABLE app\.events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey$/,
    );
    expect(steps[0]).toMatchObject({ lock: { level: 'none' }, transactional: true });
    expect(steps[5]).toMatchObject({ lock: { level: 'SHARE UPDATE EXCLUSIVE' }, transactional: false });
    expect(steps[6]).toMatchObject({ lock: { level: 'ACCESS EXCLUSIVE', on: ['app.events'] }, transactional: true });
  });

  it('inverse: drop the key, a leftover index, then NOT NULL and the helper check of the listed columns only', () => {
    const undo = inverse('add_primary_key', events);
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect(sqlOf(undo.steps)).toEqual([
      'ALTER TABLE app.events DROP CONSTRAINT IF EXISTS events_pkey',
      'DROP INDEX CONCURRENTLY IF EXISTS app.events_pkey',
      'ALTER TABLE app.events ALTER COLUMN tenant_id DROP NOT NULL',
      'ALTER TABLE app.events DROP CONSTRAINT IF EXISTS events_pkey_tenant_id_not_null',
    ]);
    expect(sqlSteps(undo.steps).map((s) => s.undoes)).toEqual([
      'add_primary_key:test/constraint',
      'add_primary_key:test',
      'add_primary_key:test/not-null-tenant_id/set-not-null',
      'add_primary_key:test/not-null-tenant_id',
    ]);
  });

  it.each([
    [{ table: 't', name: 'k', columns: ['a'], set_not_null: ['b'] }, /b is not a column of the primary key/],
    [{ table: 't', name: 'k', columns: [] }, /too_small|>=1/],
    [
      { table: 't', name: 'k', columns: ['a'], index_parameters: { storage_parameters: { fastupdate: true } } },
      /fastupdate/,
    ],
    [{ table: 't', name: 'k', columns: ['a);drop'] }, /not a valid identifier/],
    [{ table: 't', name: 'k', columns: ['a'], index_parameters: { tablespace: 'x y' } }, /not a valid identifier/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('add_primary_key', spec)).toThrow(message);
  });
});

describe.each(engines)('add_primary_key on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA app');
  });
  afterAll(() => db.close());

  const notNull = async (table: string, column: string) =>
    (
      await db.query<{ attnotnull: boolean }>(
        'SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2',
        [table, column],
      )
    )[0]?.attnotnull;
  const key = async (table: string) =>
    (
      await db.query<{ conname: string; cols: string; reloptions: string[] | null }>(
        `SELECT c.conname, (SELECT string_agg(attname, ',' ORDER BY array_position(c.conkey, attnum)) FROM pg_attribute
          WHERE attrelid = c.conrelid AND attnum = ANY (c.conkey)) AS cols, r.reloptions
         FROM pg_constraint c JOIN pg_class r ON r.oid = c.conindid WHERE c.conrelid = $1::regclass AND c.contype = 'p'`,
        [table],
      )
    )[0];

  it('makes the listed column NOT NULL, builds and attaches; probes hold; inverse leaves the column that was NOT NULL', async () => {
    await db.exec(
      `CREATE TABLE app.events (tenant_id int, id bigint NOT NULL, kind text);
       INSERT INTO app.events SELECT g % 3, g, 'k' FROM generate_series(1, 50) g`,
    );
    const steps = sqlSteps(forward('add_primary_key', events));
    expect(await probe(db, steps[0]!)).toBe(true); // no other key, id NOT NULL: the guard has nothing to refuse
    // Every effect still to come (the helper check's removal is "in place" while there is no check).
    for (const step of steps.slice(1))
      expect([step.id, await probe(db, step)]).toEqual([step.id, step.id.endsWith('/drop-check')]);
    await applySql(db, steps);
    expect(await key('app.events')).toEqual({
      conname: 'events_pkey',
      cols: 'tenant_id,id',
      reloptions: ['fillfactor=90'],
    });
    expect([await notNull('app.events', 'tenant_id'), await notNull('app.events', 'id')]).toEqual([true, true]);
    for (const step of steps) expect([step.id, await probe(db, step)]).toEqual([step.id, true]);
    await expect(db.exec(`INSERT INTO app.events VALUES (1, 1, 'dup')`)).rejects.toMatchObject({ code: '23505' });

    const undo = inverse('add_primary_key', events);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await key('app.events')).toBeUndefined();
    expect([await notNull('app.events', 'tenant_id'), await notNull('app.events', 'id')]).toEqual([false, true]);
    for (const step of sqlSteps(undo.steps)) expect([step.id, await probe(db, step)]).toEqual([step.id, true]);
    expect(await probe(db, steps[5]!)).toBe(false);
  });

  it('the guard refuses a second primary key, and a nullable key column the plan does not list', async () => {
    await db.exec('CREATE TABLE app.keyed (id int PRIMARY KEY, code int); CREATE TABLE app.loose (a int, b int)');
    const [guard] = sqlSteps(
      forward('add_primary_key', {
        table: 'app.keyed',
        name: 'keyed_code_pk',
        columns: ['code'],
        set_not_null: ['code'],
      }),
    );
    expect(await probe(db, guard!)).toBe(false);
    await expect(applySql(db, [guard!])).rejects.toThrow(/app\.keyed already has a primary key: keyed_pkey/);
    const loose = sqlSteps(forward('add_primary_key', { table: 'app.loose', name: 'loose_pk', columns: ['a', 'b'] }));
    expect(await probe(db, loose[0]!)).toBe(false);
    await expect(applySql(db, [loose[0]!])).rejects.toThrow(/nullable column\(s\) of app\.loose: a, b/);
    // The attach step checks again in its own transaction: nothing is attached, no scan under the lock.
    await db.exec('CREATE UNIQUE INDEX loose_pk ON app.loose (a, b)');
    await expect(applySql(db, [loose.at(-1)!])).rejects.toThrow(/full scan under ACCESS EXCLUSIVE/);
    expect(await key('app.loose')).toBeUndefined();
  });
});

describe.skipIf(!postgresAdminUrl)('add_primary_key run by the runner (PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_pk');
    await db.exec(
      `CREATE TABLE items (id int NOT NULL, sku text); INSERT INTO items SELECT g, 's' || g FROM generate_series(1, 20) g;
       CREATE TABLE keyed (id int PRIMARY KEY, code int)`,
    );
    conn = await connect(db.url!);
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  async function run(name: string, step: string) {
    const plan = compilePlan(await parsePlan(`${name}.yaml`, `name: ${name}\nphases:\n  expand:\n    - ${step}\n`));
    return runPlan(conn, plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: () => 'schemashift run',
    }).catch((e: Error) => ({ kind: 'refused', message: e.message }));
  }

  it('a column listed in set_not_null that is already NOT NULL is not taken over: refused before anything runs', async () => {
    const outcome = await run(
      'pk-owned',
      'add_primary_key: { table: items, name: items_pkey, columns: [id], set_not_null: [id] }',
    );
    expect(JSON.stringify(outcome)).toMatch(/already in place and was not created by this plan/);
    expect(await db.query(`SELECT 1 FROM pg_constraint WHERE conrelid = 'items'::regclass`)).toEqual([]);
  });

  it('a table that has a primary key is refused by the guard, before the index is built', async () => {
    const outcome = await run('pk-second', 'add_primary_key: { table: keyed, name: keyed_code_pk, columns: [id] }');
    expect(JSON.stringify(outcome)).toMatch(/keyed already has a primary key: keyed_pkey/);
    expect(await db.query(`SELECT 1 FROM pg_class WHERE relname = 'keyed_code_pk'`)).toEqual([]);
  });

  it('if_exists: adopt is refused at load: attaching hands the index to the constraint', async () => {
    await expect(
      parsePlan(
        'pk-adopt.yaml',
        'name: pk-adopt\nphases:\n  expand:\n    - add_primary_key: { table: items, name: items_pkey, columns: [id] }\n      if_exists: adopt\n',
      ),
    ).rejects.toThrow(/hands it to the constraint/);
  });
});

describe.skipIf(!postgresAdminUrl)('validate --database for add_primary_key and the PostgreSQL 15 options', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_pk_validate');
    await db.exec(
      `CREATE TABLE events (tenant_id int, id bigint NOT NULL, kind text);
       CREATE TABLE keyed (id int PRIMARY KEY, code int);
       CREATE TABLE authors (tenant_id int, id int, PRIMARY KEY (tenant_id, id));
       CREATE TABLE posts (id int PRIMARY KEY, tenant_id int, author_id int, slug text)`,
    );
  });
  afterAll(() => db?.close());

  async function findings(steps: string, versionNum = 150004): Promise<string[]> {
    const conn = await connect(db.url!);
    const live = await postgres.introspect.liveSchema(conn).finally(() => conn.close());
    const plan = await parsePlan('plans/v.yaml', `name: v\nphases:\n  expand:\n${steps}`);
    return checkPlanAgainstSchema(
      compilePlan(plan),
      { ...live, server: { version: String(versionNum / 10000), versionNum } },
      () => undefined,
      DEFAULT_DATABASE_CHECK_OPTIONS,
    ).map((f) => `${f.at.line} ${f.severity} ${f.rule}: ${f.message}`);
  }

  it('nullable key columns must be listed; listed ones must be nullable; one primary key per table', async () => {
    expect(
      await findings(
        '    - add_primary_key: { table: events, name: events_pkey, columns: [tenant_id, id], set_not_null: [tenant_id] }\n',
      ),
    ).toEqual([]);
    expect(
      await findings(
        '    - add_primary_key: { table: events, name: events_pkey, columns: [tenant_id, id], set_not_null: [id] }\n' +
          '    - add_primary_key: { table: keyed, name: keyed_code_pk, columns: [code] }\n',
      ),
    ).toEqual([
      expect.stringMatching(
        /^4 error db-big-table-lock: events.tenant_id is nullable: attaching the primary key would SET NOT NULL/,
      ),
      expect.stringMatching(/^4 error db-already-exists: events.id is already NOT NULL, and not by this plan/),
      expect.stringMatching(/^5 error db-already-exists: keyed already has a primary key \(keyed_pkey\)/),
      expect.stringMatching(/^5 error db-big-table-lock: keyed.code is nullable/),
    ]);
  });

  it('a primary key added earlier in the plan is seen by the next step', async () => {
    expect(
      await findings(
        '    - add_primary_key: { table: events, name: events_pkey, columns: [tenant_id, id], set_not_null: [tenant_id] }\n' +
          '    - add_primary_key: { table: events, name: events_pkey2, columns: [id] }\n',
      ),
    ).toEqual([expect.stringMatching(/^5 error db-already-exists: events already has a primary key \(events_pkey\)/)]);
  });

  it('NULLS NOT DISTINCT and ON DELETE SET NULL (cols) need PostgreSQL 15: said before an older server refuses them', async () => {
    const steps =
      '    - add_unique: { table: posts, name: posts_slug_key, columns: [slug], nulls_not_distinct: true }\n' +
      '    - add_foreign_key: { table: posts, name: posts_author_fk, columns: [tenant_id, author_id], references: { table: authors, columns: [tenant_id, id] }, on_delete: { action: set_null, columns: [author_id] } }\n';
    expect(await findings(steps)).toEqual([]);
    expect(await findings(steps, 140010)).toEqual([
      expect.stringMatching(
        /^4 error db-server-version: UNIQUE … NULLS NOT DISTINCT needs PostgreSQL 15; this server runs 14/,
      ),
      expect.stringMatching(/^5 error db-server-version: ON DELETE SET NULL with a column list needs PostgreSQL 15/),
    ]);
  });
});
