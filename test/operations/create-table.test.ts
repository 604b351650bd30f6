import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresProbes } from '../../src/dialects/postgres/probes.js';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, inverse, probe } from '../support/operations.js';
import { onlyStep, orderEvents } from './create-table-support.js';

describe.each(engines)('create_table on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.exec('DROP TABLE IF EXISTS order_events, orders CASCADE; DROP VIEW IF EXISTS event_kinds');
    await db.exec('CREATE TABLE orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1), (2)');
  });

  const catalog = (sql: string, params: unknown[] = []) => db.query<Record<string, unknown>>(sql, params);

  it('creates the table as planned (catalog and data); probe false before, true after; inverse drops it', async () => {
    const step = onlyStep(orderEvents);
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await probe(db, step)).toBe(true);
    expect(
      await catalog(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS not_null, attidentity AS identity,
                attgenerated AS generated, pg_get_expr(d.adbin, d.adrelid) AS default, col_description(attrelid, attnum) AS comment
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE attrelid = 'order_events'::regclass AND attnum > 0 ORDER BY attnum`,
      ),
    ).toEqual([
      { name: 'id', type: 'bigint', not_null: true, identity: 'a', generated: '', default: null, comment: null },
      { name: 'order_id', type: 'bigint', not_null: true, identity: '', generated: '', default: null, comment: null },
      { name: 'kind', type: 'text', not_null: true, identity: '', generated: '', default: null, comment: null },
      {
        name: 'amount',
        type: 'numeric(12,2)',
        not_null: false,
        identity: '',
        generated: '',
        default: '0',
        comment: null,
      },
      {
        name: 'amount_x2',
        type: 'numeric',
        not_null: false,
        identity: '',
        generated: 's',
        default: '(amount * (2)::numeric)',
        comment: null,
      },
      {
        name: 'ref',
        type: 'text',
        not_null: false,
        identity: '',
        generated: '',
        default: null,
        comment: "the source's id",
      },
    ]);
    expect(
      await catalog(
        `SELECT conname AS name, contype AS type, pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conrelid = 'order_events'::regclass AND contype <> 'n' ORDER BY conname`,
      ),
    ).toEqual([
      { name: 'order_events_amount_ok', type: 'c', def: 'CHECK ((amount >= (0)::numeric))' },
      {
        name: 'order_events_kind_check',
        type: 'c',
        def: "CHECK ((kind = ANY (ARRAY['created'::text, 'paid'::text])))",
      },
      {
        name: 'order_events_order_id_fkey',
        type: 'f',
        def: 'FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE',
      },
      { name: 'order_events_order_kind_key', type: 'u', def: 'UNIQUE NULLS NOT DISTINCT (order_id, kind)' },
      { name: 'order_events_pkey', type: 'p', def: 'PRIMARY KEY (id)' },
      { name: 'order_events_ref_key', type: 'u', def: 'UNIQUE (ref)' },
    ]);
    expect(await catalog(`SELECT obj_description('order_events'::regclass, 'pg_class') AS c`)).toEqual([
      { c: 'What happened to an order (one row per event)' },
    ]);
    await db.exec(`INSERT INTO order_events (order_id, kind, amount) VALUES (1, 'created', 2.5), (1, 'paid', 1)`);
    expect(await catalog('SELECT id::text, amount_x2::text AS x2 FROM order_events ORDER BY id')).toEqual([
      { id: '1', x2: '5.00' },
      { id: '2', x2: '2.00' },
    ]);
    await expect(db.exec(`INSERT INTO order_events (order_id, kind) VALUES (9, 'paid')`)).rejects.toMatchObject({
      code: '23503',
    });
    await expect(db.exec(`INSERT INTO order_events (order_id, kind) VALUES (2, 'lost')`)).rejects.toMatchObject({
      code: '23514',
    });
    await expect(db.exec(`INSERT INTO order_events (id, order_id, kind) VALUES (7, 2, 'paid')`)).rejects.toMatchObject({
      code: '428C9',
    });
    await expect(db.exec(`INSERT INTO order_events (order_id, kind) VALUES (1, 'paid')`)).rejects.toMatchObject({
      code: '23505',
    });

    const undo = inverse('create_table', orderEvents);
    if (!('steps' in undo)) throw new Error('expected reversible');
    const drop = undo.steps[0] as SqlStep;
    expect(await probe(db, drop)).toBe(false);
    await applySql(db, [drop]);
    expect(await catalog(`SELECT to_regclass('order_events') AS t`)).toEqual([{ t: null }]);
    expect([await probe(db, drop), await probe(db, step)]).toEqual([true, false]);
    await applySql(db, [drop]);
  });

  it('rollback refuses, naming them, when other objects now depend on the table; nothing is dropped', async () => {
    const step = onlyStep(orderEvents);
    await applySql(db, [step]);
    await db.exec('CREATE VIEW event_kinds AS SELECT DISTINCT kind FROM order_events');
    const undo = inverse('create_table', orderEvents);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await expect(applySql(db, undo.steps)).rejects.toMatchObject({
      code: '2BP01',
      message: 'cannot drop table order_events: other objects depend on it: view event_kinds',
    });
    expect(await probe(db, step)).toBe(true);
  });

  it('the probe is false for a different table by that name, and ownership lists how it differs', async () => {
    await db.exec('CREATE TABLE order_events (id int, kind varchar(10) NOT NULL, extra text)');
    const step = onlyStep(orderEvents);
    expect(await probe(db, step)).toBe(false);
    const [row] = await catalog(postgresProbes.objectDefinition(step.effect!.object));
    expect(postgresProbes.definitionDifferences(step.effect!.object, row!.def as Record<string, unknown>)).toEqual([
      'column id is integer, the plan says bigint',
      'column id is nullable, the plan says NOT NULL',
      'it has no column order_id',
      'column kind is character varying(10), the plan says text',
      'it has no column amount',
      'it has no column amount_x2',
      'it has no column ref',
      'it has columns the plan does not: extra',
    ]);
  });

  it('an identical table (serial included) probes true and has no differences: adoptable', async () => {
    const spec = {
      name: 'order_events',
      columns: [
        { name: 'id', type: 'bigserial', pk: true },
        { name: 'kind', type: 'varchar(20)' },
      ],
    };
    await db.exec('CREATE TABLE order_events (id bigserial PRIMARY KEY, kind varchar(20))');
    const step = onlyStep(spec);
    expect(await probe(db, step)).toBe(true);
    const [row] = await catalog(postgresProbes.objectDefinition(step.effect!.object));
    expect(postgresProbes.definitionDifferences(step.effect!.object, row!.def as Record<string, unknown>)).toEqual([]);
    await db.exec('DROP TABLE order_events');
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await probe(db, step)).toBe(true);
  });
});
