/**
 * create_table and drop_table end to end through the CLI on real PostgreSQL: run, status,
 * rollback; a lock on the referenced table times the step out and a second run resumes; an
 * adopted table is never dropped by rollback; a different table by that name is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const EVENTS = (adopt = false) => `name: order-events
settings: { lock_timeout: 200ms, lock_retries: 1 }
phases:
  expand:
    - create_table:
        name: order_events
        comment: one row per event
        columns:
          - { name: id, type: bigint, pk: true, identity: always }
          - { name: order_id, type: bigint, nullable: false, references: { table: orders, column: id } }
          - { name: kind, type: text, nullable: false, check: "kind <> ''" }${adopt ? '\n      if_exists: adopt' : ''}
    - create_index: { table: order_events, name: order_events_order_idx, columns: [order_id] }
`;

const DROP = `name: drop-legacy
phases:
  contract:
    - drop_table: { name: legacy }
`;

describe.skipIf(!postgresAdminUrl)('create_table / drop_table through the CLI (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_create_table');
    await db.exec('CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1), (2)');
    dir = mkdtempSync(join(tmpdir(), 'schemashift-create-table-'));
  });
  afterEach(() => db.close());

  async function cli(file: string, yaml: string, ...args: string[]) {
    writeFileSync(join(dir, file), yaml);
    const io = captureIo(dir);
    const code = await main([...args.slice(0, 1), file, ...args.slice(1), '--database', db.url!], io);
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const table = async (name: string) =>
    (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]))[0]?.t;

  it('validate --database is clean, run creates the table (its index too), rollback drops both', async () => {
    expect((await cli('p.yaml', EVENTS(), 'validate')).code).toBe(0);
    const run = await cli('p.yaml', EVENTS(), 'run', '--yes');
    expect(run.code, run.err).toBe(0);
    expect(await table('order_events_order_idx')).toBe('order_events_order_idx');
    await db.exec(`INSERT INTO order_events (order_id, kind) VALUES (1, 'created')`);
    const status = await cli('p.yaml', EVENTS(), 'status');
    expect(status.out).toContain('create_table:order_events');
    const rollback = await cli('p.yaml', EVENTS(), 'rollback', '--yes');
    expect(rollback.code, rollback.err).toBe(0);
    expect(await table('order_events')).toBeNull();
    expect(await db.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 2 }]);
  });

  it('validate --database: a missing referenced table or column, a column the check does not have, a taken index name', async () => {
    await db.exec('CREATE TABLE taken (id int); CREATE INDEX order_events_pkey ON taken (id)');
    const yaml = EVENTS()
      .replace('table: orders, column: id', 'table: orderz, column: id')
      .replace(`check: "kind <> ''"`, `check: "kinds <> ''"`);
    const lint = await cli('p.yaml', yaml, 'validate');
    expect(lint.code).toBe(1);
    const text = lint.out + lint.err;
    expect(text).toContain('error[db-missing-table]: table orderz does not exist');
    expect(text).toContain('error[db-missing-column]: column kinds is not a column of order_events');
    expect(text).toContain('error[db-name-taken]: public.order_events_pkey already exists as an index');
  });

  it('partial run: the first table is created, the second times out on the lock of orders; the next run resumes', async () => {
    const yaml = EVENTS().replace(
      '  expand:\n',
      '  expand:\n    - create_table: { name: event_notes, columns: [{ name: note, type: text }] }\n',
    );
    const holder = new pg.Client({ connectionString: db.url! });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE orders IN ROW EXCLUSIVE MODE');
    const first = await cli('p.yaml', yaml, 'run', '--yes');
    await holder.query('ROLLBACK');
    await holder.end();
    expect(first.code).toBe(1);
    expect(first.out + first.err).toMatch(/lock/i);
    expect([await table('event_notes'), await table('order_events')]).toEqual(['event_notes', null]);
    const second = await cli('p.yaml', yaml, 'run', '--yes');
    expect(second.code, second.err).toBe(0);
    expect(second.out).not.toContain('▶ create_table:event_notes');
    expect(await table('order_events')).toBe('order_events');
    expect((await cli('p.yaml', yaml, 'rollback', '--yes')).code).toBe(0);
    expect([await table('event_notes'), await table('order_events')]).toEqual([null, null]);
  });

  it('an identical table is adopted with if_exists: adopt, and rollback leaves it and its rows', async () => {
    await db.exec(`CREATE TABLE order_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id bigint NOT NULL REFERENCES orders (id), kind text NOT NULL); INSERT INTO order_events (order_id, kind) VALUES (2, 'x')`);
    const lint = await cli('p.yaml', EVENTS(), 'validate');
    expect(lint.code).toBe(1);
    expect(lint.out + lint.err).toContain('error[db-already-exists]: table order_events already exists');
    expect((await cli('a.yaml', EVENTS(true), 'validate')).code).toBe(0);
    const refused = await cli('p.yaml', EVENTS(), 'run', '--yes');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('table order_events already exists and was not created by this plan');
    const run = await cli('a.yaml', EVENTS(true), 'run', '--yes');
    expect(run.code, run.err).toBe(0);
    expect((await cli('a.yaml', EVENTS(true), 'rollback', '--yes')).code).toBe(0);
    expect(await table('order_events')).toBe('order_events');
    expect(await db.query('SELECT count(*)::int AS n FROM order_events')).toEqual([{ n: 1 }]);
  });

  it('adopting a table whose columns differ is refused, listing the differences', async () => {
    await db.exec('CREATE TABLE order_events (id int PRIMARY KEY, kind text)');
    const run = await cli('a.yaml', EVENTS(true), 'run', '--yes');
    expect(run.code).toBe(2);
    expect(run.err).toContain('table order_events already exists but differs from the plan');
    expect(run.err).toContain('column id is integer, the plan says bigint');
    expect(run.err).toContain('it has no column order_id');
  });

  it('drop_table: validate names the dependents and run refuses; once they are gone it drops; a typo is refused', async () => {
    await db.exec(`CREATE TABLE legacy (id int PRIMARY KEY); CREATE VIEW legacy_ids AS SELECT id FROM legacy`);
    const validate = await cli('d.yaml', DROP, 'validate');
    expect(validate.code).toBe(1);
    expect(validate.out + validate.err).toContain(
      'error[db-table-has-dependents]: legacy cannot be dropped: view legacy_ids depends on it',
    );
    const refused = await cli('d.yaml', DROP, 'run', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toContain(
      'cannot drop table legacy: other objects depend on it: view legacy_ids',
    );
    expect(await table('legacy')).toBe('legacy');
    await db.exec('DROP VIEW legacy_ids');
    const run = await cli('d.yaml', DROP, 'run', '--yes');
    expect(run.code, run.err).toBe(0);
    expect(await table('legacy')).toBeNull();
    const typo = await cli(
      't.yaml',
      DROP.replace('drop-legacy', 'typo').replace('legacy }', 'legacyy }'),
      'run',
      '--yes',
    );
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('table legacyy does not exist');
  });
});
